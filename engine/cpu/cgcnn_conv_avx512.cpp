#define XS_ISA_NS isa_avx512
#include "engine/cpu/cgcnn_conv.inc"

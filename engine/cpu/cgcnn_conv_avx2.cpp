#define XS_ISA_NS isa_avx2
#include "engine/cpu/cgcnn_conv.inc"

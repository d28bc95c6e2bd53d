#define XS_ISA_NS isa_generic
#include "engine/cpu/cgcnn_conv.inc"

//===- AttnDialect.cpp - The attn dialect ---------------------------------===//
#include "dialects/Attn/IR/AttnDialect.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace attn;

#include "dialects/Attn/IR/AttnDialect.cpp.inc"

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Attn/IR/AttnOps.cpp.inc"
      >();
  registerAttributes();
}

//===- attn-opt.cpp - mlir-opt with the attn dialects and passes ----------===//
#include "compiler/Driver/Pipeline.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses(); // canonicalize, cse, ...
  attn::registerAttnPasses();
  attn::registerConversionPasses();
  mlir::DialectRegistry registry;
  attn::registerAttnDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "attn optimizer driver\n", registry));
}

# lit configuration: FileCheck tests of attnc and attn-opt (front end, dialect, examples).
import os
import lit.formats

config.name = "attn"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".attn", ".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")
config.excludes = ["unit", "fuzz", "CMakeLists.txt", "lit.cfg.py", "Inputs"]
config.substitutions.append(("%examples", os.path.join(config.attn_src_root, "examples")))
config.environment["PATH"] = os.pathsep.join(
    [config.attn_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])

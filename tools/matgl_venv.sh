#!/usr/bin/env bash
# Builds the upstream MatGL reference environment (development only; the engine
# never needs it). Usage: tools/matgl_venv.sh [VENV_DIR]   (default /work/venv-matgl)
#
# matgl 2.0.4 is the release of upstream commit e9cde22, the one the shared
# weights come from; it is run with MATGL_BACKEND=DGL. DGL on PyPI stops at
# 2.1.0, whose wheel ships native libs for torch 2.0.0-2.2.1 only, so torch is
# pinned to 2.2.1 (plain PyPI wheel: it pulls the CUDA runtime wheels, ~5 GB,
# but runs on CPU). dgl 2.1.0 imports torchdata.datapipes, which torchdata
# removed after 0.7.x, so torchdata is pinned to 0.7.1 (needs torch>=2 only).
# numpy stays below 2 for torch 2.2.1 and dgl 2.1.0.
# Every package is pinned (a `pip freeze` of a working install).
set -euo pipefail
VENV="${1:-/work/venv-matgl}"
PY="${PYTHON:-/root/.pyenv/versions/3.11.7/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3.11 || command -v python3)"
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "need Python 3.11 (set PYTHON=...)" >&2; exit 1; }
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q pip==26.3
"$VENV/bin/python" -m pip install -q -r /dev/stdin <<'PINS'
aiohappyeyeballs==2.7.1
aiohttp==3.14.5
aiosignal==1.4.0
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
ase==3.29.0
attrs==26.1.0
backoff==2.2.1
bibtexparser==1.4.4
boto3==1.44.8
botocore==1.44.8
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
cloudpickle==3.1.3
contourpy==1.3.3
cycler==0.12.1
dgl==2.1.0
docker==7.2.0
fastapi==0.165.0
filelock==4.3.1
fonttools==4.68.0
frozenlist==1.8.0
fsspec==2026.9.0
h11==0.16.0
idna==3.20
Jinja2==3.1.6
jmespath==1.1.0
joblib==1.6.0
kiwisolver==1.5.1
lightning==2.6.0.dev20251123
lightning-utilities==0.15.3
lightning_sdk==2026.10.13
linkify-it-py==2.2.0
lxml==6.1.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
matgl==2.0.4
matplotlib==3.11.2
mdit-py-plugins==0.7.0
mdurl==0.1.2
monty==2026.10.21
mpmath==1.3.0
multidict==7.2.1
narwhals==2.29.0
networkx==3.6.1
numpy==1.26.4
nvidia-cublas-cu12==12.1.3.1
nvidia-cuda-cupti-cu12==12.1.105
nvidia-cuda-nvrtc-cu12==12.1.105
nvidia-cuda-runtime-cu12==12.1.105
nvidia-cudnn-cu12==8.9.2.26
nvidia-cufft-cu12==11.0.2.54
nvidia-curand-cu12==10.3.2.106
nvidia-cusolver-cu12==11.4.5.107
nvidia-cusparse-cu12==12.1.0.106
nvidia-nccl-cu12==2.19.3
nvidia-nvjitlink-cu12==12.9.86
nvidia-nvtx-cu12==12.1.105
opentelemetry-api==1.45.2
orjson==3.13.0
packaging==26.4
palettable==3.3.3
pandas==3.0.6
pillow==13.0.0
platformdirs==4.14.9
plotly==7.1.0
propcache==0.5.4
psutil==7.2.2
pydantic==2.14.4
pydantic_core==2.50.5
Pygments==2.21.0
pymatgen==2026.10.24
pymatgen-core==2026.10.16
pyparsing==3.3.3
python-dateutil==2.9.0.post0
pytorch-lightning==2.6.6
pytorch_lightning_enterprise==2.6.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
rich-click==1.9.9
ruamel.yaml==0.19.1
s3transfer==0.19.3
scipy==1.17.1
six==1.17.0
spglib==2.8.0
starlette==1.10.0
sympy==1.14.0
tabulate==0.10.0
textual==8.2.8
torch==2.2.1
torch-geometric==2.8.1
torchdata==0.7.1
torchmetrics==1.9.0
tqdm==4.70.1
triton==2.2.0
typing-inspection==0.4.5
typing_extensions==4.16.0
uncertainties==3.2.3
urllib3==2.8.0
uvicorn==0.54.0
websocket-client==1.9.2
xxhash==4.1.0
yarl==1.25.1
PINS
MATGL_BACKEND=DGL "$VENV/bin/python" - <<'CHECK'
import torch, dgl, matgl, pymatgen.core
print("torch", torch.__version__, "dgl", dgl.__version__, "matgl", matgl.__version__,
      "pymatgen", pymatgen.core.__version__)
CHECK
echo "venv ready: $VENV (run tools with MATGL_BACKEND=DGL $VENV/bin/python ...)"

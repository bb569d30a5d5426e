"""Imports the official DeFCN fcos.py (and the cvpods pieces it uses) on CPU without building cvpods.

Not part of the repository's runtime: used only by generate_head_fixtures.py. Paths point at local
extractions of the official repositories (see generate_head_fixtures.py); nothing of them is copied here.
Packages cvpods imports but the head/inference path never uses (logging, IO, compiled ops) are replaced by
inert stand-ins; the modules we compare against (fcos.py FCOSHead, MaxFiltering, inference_single_image;
cvpods Shift2BoxTransform, Scale, permute_to_N_HWA_K, detector_postprocess, batched_nms) are the real code.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from unittest import mock

STUBBED = ("loguru", "megfile", "cvpods._C", "portalocker", "termcolor", "tabulate", "pycocotools",
           "lvis", "appdirs", "easydict", "cv2", "shapely", "iopath", "fvcore", "tensorboard",
           "torch.utils.tensorboard", "PIL", "pandas", "matplotlib", "numba", "prettytable", "cloudpickle",
           "colorama", "yaml", "setuptools", "scipy.io", "timm", "pylab", "seaborn", "skimage", "imagesize", "boto3", "tqdm", "psutil")


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = mock.MagicMock(name=f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if any(fullname == s or fullname.startswith(s + ".") for s in STUBBED):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        m = _StubModule(spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module):
        module.__version__ = "4.0.0"


def load_fcos(cvpods_root, fcos_path, name="official_fcos"):
    """Returns the official fcos.py as a module."""
    sys.meta_path.insert(0, _StubFinder())
    sys.path.insert(0, cvpods_root)
    import os
    # Bare package objects: their __init__ would import every backbone and meta-arch of cvpods.
    for pkg in ("cvpods.modeling", "cvpods.modeling.meta_arch", "cvpods.modeling.backbone"):
        bare = types.ModuleType(pkg)
        bare.__path__ = [os.path.join(cvpods_root, *pkg.split("."))]
        sys.modules[pkg] = bare
    spec = importlib.util.spec_from_file_location(name, fcos_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

# Type stubs of the heed package (docs/python.md).
import os
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

__version__: str

class Error(Exception): ...

class CompileError(Error):
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]

class RunError(Error): ...
class HeedWarning(UserWarning): ...

class Port(NamedTuple):
    name: str
    dtype: str
    numpy_dtype: np.dtype
    shape: Tuple[int, ...]

Dims = Mapping[str, Union[int, Tuple[int, int], range]]
Weights = Union[str, os.PathLike, Mapping[str, Any]]

class Model:
    name: str
    inputs: List[Port]
    outputs: List[Port]
    dims: Dict[str, Tuple[int, int]]
    @property
    def path(self) -> str: ...
    @property
    def memory_bytes(self) -> int: ...
    threads: int
    def __call__(self, **feeds: Any) -> Dict[str, Any]: ...
    def run(self, output_names: Optional[Sequence[str]],
            feeds: Mapping[str, Any]) -> List[Any]: ...
    def attention_report(self) -> List[Dict[str, Any]]: ...
    def attention_maps(self, **feeds: Any
                       ) -> Tuple[Dict[str, Any], Dict[str, Any]]: ...
    def save(self, path: Union[str, os.PathLike]) -> None: ...

def compile(source: Any, *, dims: Optional[Dims] = ..., opt: int = ...,
            precision: str = ..., weights: Optional[Weights] = ...,
            random_weights: Optional[int] = ..., threads: Optional[int] = ...,
            entry: Optional[str] = ..., example_inputs: Any = ...,
            cache_dir: Optional[Union[str, os.PathLike]] = ...) -> Model: ...
def compile_string(text: str, *, name: str = ..., dims: Optional[Dims] = ...,
                   opt: int = ..., precision: str = ...,
                   weights: Optional[Weights] = ...,
                   random_weights: Optional[int] = ...,
                   threads: Optional[int] = ..., entry: Optional[str] = ...,
                   cache_dir: Optional[Union[str, os.PathLike]] = ...) -> Model: ...
def load(path: Union[str, os.PathLike], *, threads: Optional[int] = ...) -> Model: ...
def benchmark(model: Model, feeds: Mapping[str, Any], repeat: int = ...,
              warmup: int = ...) -> Dict[str, float]: ...

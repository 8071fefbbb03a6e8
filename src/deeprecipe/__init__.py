"""deeprecipe: train dense networks on NumPy, then follow the basic recipe of machine learning."""

from deeprecipe.errors import DeepRecipeError

__version__ = "0.1.0"

__all__ = ["DeepRecipeError", "__version__"]

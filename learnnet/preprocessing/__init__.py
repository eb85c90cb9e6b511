"""Data preprocessing, as ``keras.preprocessing``: ``image.ImageDataGenerator`` for data augmentation."""
from . import image

__all__ = ["image"]

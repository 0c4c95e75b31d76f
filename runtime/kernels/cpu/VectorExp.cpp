//===- VectorExp.cpp - (being written) ------------------------------------===//

#pragma once
// A value with its gradient and Hessian in two variables, carried through arithmetic (forward-mode
// automatic differentiation to second order). The GLMM uses it for exact derivatives of its
// quadrature likelihood in (mu, tau): one evaluation replaces the nine of a finite-difference
// Hessian, and the derivatives carry no truncation error.

#include <Eigen/Core>

#include <cmath>

namespace carta::detail {

struct Jet2 {
  double v = 0.0;
  Eigen::Vector2d g = Eigen::Vector2d::Zero();
  Eigen::Matrix2d h = Eigen::Matrix2d::Zero();

  static Jet2 constant(double value) { return Jet2{value, Eigen::Vector2d::Zero(), Eigen::Matrix2d::Zero()}; }
  // The coordinate `index` (0 or 1) at `value`.
  static Jet2 variable(double value, int index) {
    Jet2 j = constant(value);
    j.g[index] = 1.0;
    return j;
  }
};

// The chain rule for a scalar function with value f and derivatives d1, d2 at a.v.
inline Jet2 chain(const Jet2& a, double f, double d1, double d2) {
  return Jet2{f, d1 * a.g, d1 * a.h + d2 * a.g * a.g.transpose()};
}

inline Jet2 operator+(Jet2 a, const Jet2& b) {
  a.v += b.v;
  a.g += b.g;
  a.h += b.h;
  return a;
}
inline Jet2 operator-(Jet2 a, const Jet2& b) {
  a.v -= b.v;
  a.g -= b.g;
  a.h -= b.h;
  return a;
}
inline Jet2 operator+(Jet2 a, double s) {
  a.v += s;
  return a;
}
inline Jet2 operator-(double s, const Jet2& a) { return Jet2{s - a.v, -a.g, -a.h}; }
inline Jet2 operator*(double s, Jet2 a) {
  a.v *= s;
  a.g *= s;
  a.h *= s;
  return a;
}
inline Jet2 operator*(const Jet2& a, const Jet2& b) {
  const Eigen::Matrix2d cross = a.g * b.g.transpose();
  return Jet2{a.v * b.v, a.v * b.g + b.v * a.g, a.v * b.h + b.v * a.h + cross + cross.transpose()};
}
inline Jet2 inverse(const Jet2& a) {
  const double r = 1.0 / a.v;
  return chain(a, r, -r * r, 2.0 * r * r * r);
}
inline Jet2 log(const Jet2& a) { return chain(a, std::log(a.v), 1.0 / a.v, -1.0 / (a.v * a.v)); }
inline Jet2 sqrt(const Jet2& a) {
  const double s = std::sqrt(a.v);
  return chain(a, s, 0.5 / s, -0.25 / (s * a.v));
}
}  // namespace carta::detail

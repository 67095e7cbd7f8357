#pragma once
// The probability distributions carta's tests and intervals use, as plain functions of doubles.
//
// One translation unit (src/core/math/distributions.cpp) instantiates Boost.Math's distributions,
// with one policy (double evaluated in double), instead of every analysis that needs a p-value:
// that kept each caller's compile heavy, and let two callers differ in policy. Arguments follow
// R's p*/q* functions: the point or probability first, then the parameters.
//   *_cdf(x, ...)             P(X <= x)
//   *_upper(x, ...)           P(X > x), computed directly (accurate where it is tiny)
//   *_quantile(p, ...)        x with P(X <= x) = p
//   *_upper_quantile(q, ...)  x with P(X > x) = q, computed directly (accurate for tiny q)

namespace carta::dist {

double normal_cdf(double x);
double normal_upper(double x);
double normal_quantile(double p);
double normal_upper_quantile(double q);

// Student's t with df degrees of freedom (df > 0, not necessarily an integer).
double t_cdf(double x, double df);
double t_upper(double x, double df);
double t_quantile(double p, double df);
double t_upper_quantile(double q, double df);

// Chi-squared with df degrees of freedom (df > 0).
double chi2_cdf(double x, double df);
double chi2_upper(double x, double df);
double chi2_quantile(double p, double df);
double chi2_upper_quantile(double q, double df);

// F with df1 and df2 degrees of freedom.
double f_upper(double x, double df1, double df2);

// Beta(a, b).
double beta_quantile(double p, double a, double b);

// Special functions behind these, for the series that need them directly: the regularised lower
// incomplete gamma P(a, x), and Gamma(a) / Gamma(a + delta).
double gamma_p(double a, double x);
double tgamma_delta_ratio(double a, double delta);

}  // namespace carta::dist

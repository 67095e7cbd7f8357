#include "carta/distributions.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>

// Boost.Math's default policy throws on a domain error (a negative df, p outside [0, 1]), and
// carta's callers check their arguments first, so a throw here is a bug reaching the boundary as
// an exception, never a silent number.

namespace carta::dist {

using boost::math::cdf;
using boost::math::complement;
using boost::math::quantile;

double normal_cdf(double x) { return cdf(boost::math::normal_distribution<double>(), x); }
double normal_upper(double x) { return cdf(complement(boost::math::normal_distribution<double>(), x)); }
double normal_quantile(double p) { return quantile(boost::math::normal_distribution<double>(), p); }
double normal_upper_quantile(double q) { return quantile(complement(boost::math::normal_distribution<double>(), q)); }

double t_cdf(double x, double df) { return cdf(boost::math::students_t_distribution<double>(df), x); }
double t_upper(double x, double df) { return cdf(complement(boost::math::students_t_distribution<double>(df), x)); }
double t_quantile(double p, double df) { return quantile(boost::math::students_t_distribution<double>(df), p); }
double t_upper_quantile(double q, double df) {
  return quantile(complement(boost::math::students_t_distribution<double>(df), q));
}

double chi2_cdf(double x, double df) { return cdf(boost::math::chi_squared_distribution<double>(df), x); }
double chi2_upper(double x, double df) { return cdf(complement(boost::math::chi_squared_distribution<double>(df), x)); }
double chi2_quantile(double p, double df) { return quantile(boost::math::chi_squared_distribution<double>(df), p); }
double chi2_upper_quantile(double q, double df) {
  return quantile(complement(boost::math::chi_squared_distribution<double>(df), q));
}

double f_upper(double x, double df1, double df2) {
  return cdf(complement(boost::math::fisher_f_distribution<double>(df1, df2), x));
}

double beta_quantile(double p, double a, double b) { return quantile(boost::math::beta_distribution<double>(a, b), p); }

double gamma_p(double a, double x) { return boost::math::gamma_p(a, x); }
double tgamma_delta_ratio(double a, double delta) { return boost::math::tgamma_delta_ratio(a, delta); }

}  // namespace carta::dist

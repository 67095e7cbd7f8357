#pragma once
// The PRISMA 2020 flow diagram (Page et al. 2021): identification via databases and registers,
// optionally via other methods (right) and from a previous version of the review (left);
// exclusion reasons of any number; boxes sized to their wrapped text. Draws complete, checked
// counts (review::complete_and_check).

#include <string>

#include "carta/review/prisma.hpp"

namespace carta::plot {

std::string prisma_diagram_svg(const review::PrismaCounts& counts);

}  // namespace carta::plot

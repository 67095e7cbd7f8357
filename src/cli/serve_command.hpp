#pragma once
#include <CLI/CLI.hpp>

#include <istream>
#include <ostream>
#include <string>

namespace carta::cli {

struct ServeArgs {
  std::string review;
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string add_user;  // create an account (password from standard input) and exit
  std::string role = "reviewer";
};

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);
int run_serve(const ServeArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace carta::cli

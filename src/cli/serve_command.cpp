// carta serve: opens (or creates) the review file and serves the workspace until Ctrl-C.

#include "serve_command.hpp"

#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <thread>

#include "carta/error.hpp"
#include "carta/serve/server.hpp"
#include "carta/store/workspace.hpp"

namespace carta::cli {

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args) {
  auto* cmd = app.add_subcommand("serve", "The review team's workspace in the browser: import, deduplicate, dual screening, PRISMA");
  cmd->add_option("review", args.review, "the review file (created on first start), e.g. cart-all.carta")->required();
  cmd->add_option("--listen", args.listen, "address to listen on; another than 127.0.0.1 exposes the workspace to the network")
      ->capture_default_str();
  cmd->add_option("--port", args.port, "port to listen on (0: any free port, printed)")->capture_default_str();
  cmd->add_option("--add-user", args.add_user, "create this account (password read from standard input) and exit");
  cmd->add_option("--role", args.role, "role of --add-user: owner, reviewer or adjudicator")->capture_default_str();
  cmd->footer(
      "\nThe review is one SQLite file (with its uploaded PDFs in REVIEW.files/ beside it); back it up like any file\n"
      "while the server is stopped. On first start carta prints a setup link: open it to create the owner's account.\n"
      "The owner adds reviewers in Settings. Stop the server with Ctrl-C; every acknowledged decision is on disk.\n\n"
      "Examples:\n"
      "  carta serve cart-all.carta                      # http://127.0.0.1:8080/\n"
      "  carta serve cart-all.carta --port 0             # any free port\n"
      "  echo 'secret-password' | carta serve cart-all.carta --add-user Alice --role reviewer\n");
  return cmd;
}

int run_serve(const ServeArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  store::Workspace workspace(args.review);
  if (!args.add_user.empty()) {
    const auto role = store::parse_role(args.role);
    if (!role) throw Error(ErrorCategory::kInvalidOption, fmt::format("--role '{}' is not one of: owner, reviewer, adjudicator", args.role));
    std::string password;
    std::getline(in, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    // The command line acts as the owner: whoever can run it can read the review file anyway.
    std::optional<store::User> owner;
    for (const auto& u : workspace.users()) {
      if (u.role == store::Role::kOwner) {
        owner = u;
        break;
      }
    }
    const auto user = workspace.add_user(args.add_user, password, *role, owner ? &*owner : nullptr);
    out << fmt::format("added {} ({}) to {}\n", user.name, store::role_name(user.role), args.review);
    return 0;
  }

  serve::ServerOptions options;
  options.listen = args.listen;
  options.port = args.port;
  if (!workspace.has_users()) options.setup_token = store::random_token();

  // Ctrl-C and SIGTERM stop the server cleanly: blocked here, before the server's threads exist,
  // and awaited by one thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::Server server(workspace, options, err);
  const int port = server.bind();
  const std::string host = args.listen.find(':') != std::string::npos ? "[" + args.listen + "]" : args.listen;
  if (!serve::is_loopback(args.listen)) {
    err << fmt::format(
        "carta serve: listening on {}: anyone who can reach this machine on port {} sees the login page. Accounts are "
        "required, but the traffic is plain HTTP: use it on a trusted network, or behind a TLS proxy.\n",
        args.listen, port);
  }
  out << fmt::format("carta serve: {} at http://{}:{}/ (schema {}; Ctrl-C stops)\n", args.review, host, port,
                     workspace.schema_version());
  if (!options.setup_token.empty()) {
    out << fmt::format("carta serve: no accounts yet: create the owner's at http://{}:{}/setup?token={}\n", host, port,
                       options.setup_token);
  }
  out.flush();
  std::thread watcher([&server, signals] {
    int got = 0;
    sigwait(&signals, &got);
    server.stop();
  });
  watcher.detach();
  server.run();
  out << "carta serve: stopped\n";
  return 0;
}

}  // namespace carta::cli

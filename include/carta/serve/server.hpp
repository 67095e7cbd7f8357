#pragma once
// carta serve: the review team's workspace in the browser. This layer only translates HTTP
// requests into store::Workspace operations and renders their results as HTML; it holds no
// statistics and no parsing. Pages are server-rendered; the one script and style sheet are
// embedded in the binary; a Content-Security-Policy allows nothing inline and nothing remote.

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "carta/store/workspace.hpp"

namespace carta::serve {

struct ServerOptions {
  std::string listen = "127.0.0.1";
  int port = 8080;  // 0: any free port
  std::size_t max_upload_bytes = 80u << 20;
  // Printed once when the review has no account yet: the owner's account is created at
  // /setup?token=... so that nobody else reaching the port can claim the review.
  std::string setup_token;
};

class Server {
 public:
  Server(store::Workspace& workspace, ServerOptions options, std::ostream& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address; returns the port bound. Throws carta::Error (kIo) when it cannot.
  int bind();
  // Serves until stop() is called (from another thread or a signal watcher).
  void run();
  void stop();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& address);

}  // namespace carta::serve

#pragma once
// A fresh folder for the running test (and `name` within it): ctest runs tests in parallel
// processes, and two tests sharing a folder would overwrite each other's files.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace carta::test {

inline std::filesystem::path test_folder(const std::string& name) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string owner = test ? std::string(test->test_suite_name()) + "_" + test->name() + "_" : std::string();
  const auto dir = std::filesystem::temp_directory_path() / ("carta_test_" + owner + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace carta::test

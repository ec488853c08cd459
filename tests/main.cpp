// The suite's main: like gtest_main, but a run that selects no test fails, so that a
// CTest entry whose filter matches nothing (a GOARCH renamed, a suite moved) cannot
// pass by testing nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // gotramp prints GitHub annotations by itself under GitHub Actions; the gotramp the
  // tests start prints them only when a test asks (--annotations github), so that
  // its JSON and tables read the same in CI as anywhere.
  unsetenv("GITHUB_ACTIONS");
  const int status = RUN_ALL_TESTS();
  if (GTEST_FLAG_GET(list_tests)) return status;
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (status == 0 && unit->test_to_run_count() == 0) {
    std::fprintf(stderr, "gotramp_tests: the filter '%s' selected no test: an entry that tests nothing fails\n",
                 GTEST_FLAG_GET(filter).c_str());
    return 1;
  }
  return status;
}

// Go versions in the order Go releases them, as the catalog of known upstream
// runtime bugs will compare them.
#include <gtest/gtest.h>

#include "runtime_model/go_version.hpp"

namespace gotramp {
namespace {

using model::GoVersion;

GoVersion v(std::string_view text) {
  auto parsed = GoVersion::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(GoVersion{});
}

// ---- Go versions

TEST(GoVersion, ReleasesOrderAsGoReleasesThem) {
  const std::vector<std::string> chain = {"go1.7",
                                          "go1.8",
                                          "go1.12",
                                          "go1.19.8",
                                          "go1.20rc1",
                                          "go1.20",
                                          "go1.20.14",
                                          "go1.21",
                                          "devel go1.21-ab",
                                          "go1.21rc1",
                                          "go1.21.0",
                                          "go1.24.5",
                                          "go1.25beta1",
                                          "go1.25rc1",
                                          "go1.25rc2",
                                          "go1.25.0",
                                          "go1.25.1",
                                          "go1.27.3",
                                          "devel go1.28-0123abcd Tue Jul 14 2026",
                                          "go1.28rc1",
                                          "go1.28.0"};
  for (size_t i = 0; i + 1 < chain.size(); i++)
    for (size_t j = i + 1; j < chain.size(); j++) EXPECT_LT(v(chain[i]), v(chain[j])) << chain[i] << " < " << chain[j];
}

TEST(GoVersion, TheTranscriptionsGo18IsTheReleaseGo180) {
  const GoVersion go18 = v("go1.8");
  EXPECT_EQ(go18.stage, GoVersion::Stage::Release);
  EXPECT_EQ(go18, v("go1.8.0"));
  EXPECT_LT(go18, v("go1.8.1"));
  EXPECT_EQ(go18.str(), "go1.8");
}

TEST(GoVersion, SinceGo121TheBareNameIsTheLanguageVersionBeforeEveryToolchainOfIt) {
  EXPECT_EQ(v("go1.21").stage, GoVersion::Stage::Language);
  EXPECT_LT(v("go1.21"), v("go1.21rc1"));
  EXPECT_LT(v("go1.21"), v("go1.21.0"));
  EXPECT_NE(v("go1.21"), v("go1.21.0"));
  EXPECT_GT(v("go1.21"), v("go1.20.14"));
}

TEST(GoVersion, ADevelTreeComesAfterThePreviousReleasesAndBeforeItsOwn) {
  const GoVersion devel = v("devel go1.28-0123abcd Tue Jul 14 12:00:00 2026 +0000");
  EXPECT_EQ(devel.stage, GoVersion::Stage::Devel);
  EXPECT_EQ(devel.minor, 28);
  EXPECT_GE(devel, v("go1.28"));  // at least the language version it develops
  EXPECT_GT(devel, v("go1.27.3"));
  EXPECT_GT(devel, v("go1.27.99"));
  EXPECT_LT(devel, v("go1.28beta1"));
  EXPECT_LT(devel, v("go1.28.0"));
  EXPECT_EQ(devel.str(), "devel go1.28");
}

TEST(GoVersion, TextAfterTheVersionIsAllowedPastASeparator) {
  EXPECT_EQ(v("go1.22.0 X:boringcrypto"), v("go1.22.0"));
  EXPECT_EQ(v("  go1.19.8\n"), v("go1.19.8"));
  EXPECT_EQ(v("go1.23.4-bigcorp"), v("go1.23.4"));
}

TEST(GoVersion, TextThatNamesNoVersionIsNone) {
  for (const char* bad : {"", "weekly.2011-01-01", "devel +0123abcd Tue Jan 1", "go", "go1.", "go1.21x", "algo1.2",
                          "go-1.2", "go1.25rc", "1.21.0", "go1.21.0.1x"})
    EXPECT_EQ(GoVersion::parse(bad), std::nullopt) << "'" << bad << "'";
}

TEST(GoVersion, CanonicalNamesRoundTrip) {
  for (const char* name :
       {"go1.8", "go1.12", "go1.19.8", "go1.21", "go1.21.0", "go1.25rc1", "go1.25beta2", "devel go1.28", "go1.27.3"})
    EXPECT_EQ(v(name).str(), name);
}

}  // namespace
}  // namespace gotramp

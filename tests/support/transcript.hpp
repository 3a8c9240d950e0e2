#pragma once
// Golden transcripts: a conversation written down as inbound lines and the replies, events and
// saved data expected after each, replayed through the engine with a pinned clock.
// Format: docs/transcripts.md. SAPA_UPDATE_TRANSCRIPTS=1 rewrites the expectations in place
// so a reviewer can read the change in `git diff`.

#include <filesystem>
#include <string>

namespace sapa::testing {

struct transcript_result {
    bool passed = true;
    std::string report;  // what differed, step by step
};

// Which store the transcript's messages go through (the same use case as `sapa serve`).
enum class transcript_store { memory, sqlite };

transcript_result run_transcript(const std::filesystem::path& file,
                                 bool update,
                                 transcript_store store = transcript_store::memory);

}  // namespace sapa::testing

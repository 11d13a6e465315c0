namespace GpuSharing.LoadGenerator;

/// <summary>One request of a trace: when it arrives (from the trace's first request), its prompt and its output length in tokens.</summary>
public sealed record TraceRequest(TimeSpan Offset, int PromptTokens, int OutputTokens);

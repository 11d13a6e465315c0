using GpuSharing.LoadGenerator;

namespace GpuSharing.Unit.Tests.LoadGeneration;

/// <summary>The load generator reads the public traces as they are, and refuses what is not one.</summary>
public sealed class TraceReaderTests
{
    [Theory]
    [InlineData("AzureLLMInferenceTrace_code.csv", 4808, 10)]
    [InlineData("AzureLLMInferenceTrace_conv.csv", 374, 44)]
    public void Each_captured_trace_reads_in_arrival_order_from_its_first_request(string file, int firstPrompt, int firstOutput)
    {
        var trace = TraceReader.Read(Fixtures.PathOf("traces", file));
        var lines = File.ReadLines(Fixtures.PathOf("traces", file)).Count(l => l.Length > 0) - 1;

        Assert.Equal(lines, trace.Count);
        Assert.Equal((TimeSpan.Zero, firstPrompt, firstOutput), (trace[0].Offset, trace[0].PromptTokens, trace[0].OutputTokens));
        Assert.All(trace.Zip(trace.Skip(1)), pair => Assert.True(pair.First.Offset <= pair.Second.Offset));
        Assert.All(trace, r => Assert.True(r.PromptTokens >= 0 && r.OutputTokens >= 0));
    }

    [Fact]
    public void Offsets_are_taken_from_the_earliest_timestamp_to_the_tick()
    {
        const string text = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0319600,3180,8\n2023-11-16 18:17:03.9799600,4808,10\n";

        var trace = TraceReader.Read(new StringReader(text));

        Assert.Equal([(TimeSpan.Zero, 4808, 10), (TimeSpan.FromMilliseconds(52), 3180, 8)], trace.Select(r => (r.Offset, r.PromptTokens, r.OutputTokens)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("time,prompt,output\n2023-11-16 18:17:04,1,1\n")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04,-1,1\n")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,1,1\n")]
    public void What_is_not_such_a_trace_is_refused_with_the_line(string text) =>
        Assert.Throws<FormatException>(() => TraceReader.Read(new StringReader(text)));
}

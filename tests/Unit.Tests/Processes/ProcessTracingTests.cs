using System.Collections.Concurrent;
using System.Diagnostics;
using GpuSharing.Grains.Hardware.Processes;

namespace GpuSharing.Unit.Tests.Processes;

/// <summary>
/// Every process the runner starts is a span of <see cref="ProcessTracing.SourceName"/>, a child of the caller's
/// activity: its command line, pid and exit code, an error status when it fails, times out or cannot start.
/// </summary>
public sealed class ProcessTracingTests : IDisposable
{
    private const string CallerName = "GpuSharing.Tests.ProcessTracing";
    private static readonly ActivitySource Caller = new(CallerName);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private readonly ProcessRunner _runner = new();

    public ProcessTracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ProcessTracing.SourceName or CallerName, // by name: the static source may not exist yet
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task A_run_is_a_child_span_with_its_command_line_pid_and_exit_code()
    {
        using var parent = Caller.StartActivity("request")!;

        var result = await _runner.RunAsync(new ProcessRequest("/bin/echo", ["partition", "--json"], null, TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);

        var span = SpanUnder(parent);
        Assert.Equal("echo partition", span.DisplayName); // the executable and its subcommand: few names whatever the arguments
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Equal(["/bin/echo", "partition", "--json"], (string[])span.GetTagItem("process.command_args")!);
        Assert.Equal("echo", span.GetTagItem("process.executable.name"));
        Assert.Equal(0, span.GetTagItem("process.exit.code"));
        Assert.IsType<int>(span.GetTagItem("process.pid"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_failing_exit_code_marks_the_span_as_an_error()
    {
        using var parent = Caller.StartActivity("request")!;

        await _runner.RunAsync(new ProcessRequest("/bin/ls", ["/definitely/not/here"], null, TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);

        var span = SpanUnder(parent);
        Assert.Equal("ls", span.DisplayName); // a path is no subcommand: span names stay few
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(2, span.GetTagItem("process.exit.code"));
        Assert.Equal("exit code 2", span.StatusDescription);
    }

    [Fact]
    public async Task A_timeout_is_an_error_of_type_timeout()
    {
        using var parent = Caller.StartActivity("request")!;

        await Assert.ThrowsAsync<ProcessTimeoutException>(() => _runner.RunAsync(new ProcessRequest("/bin/sleep", ["27.1828"], null, TimeSpan.FromMilliseconds(200)), TestContext.Current.CancellationToken));

        var span = SpanUnder(parent);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("timeout", span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("process.exit.code"));
    }

    [Fact]
    public async Task An_executable_that_cannot_start_is_an_error_span()
    {
        using var parent = Caller.StartActivity("request")!;

        await Assert.ThrowsAnyAsync<Exception>(() => _runner.RunAsync(new ProcessRequest("/nonexistent/amd-smi", ["static"], null, TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken));

        var span = SpanUnder(parent);
        Assert.Equal("amd-smi static", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("System.ComponentModel.Win32Exception", span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task The_environment_is_never_recorded()
    {
        using var parent = Caller.StartActivity("request")!;

        await _runner.RunAsync(new ProcessRequest("/bin/echo", ["x"], null, TimeSpan.FromSeconds(10), new Dictionary<string, string> { ["API_TOKEN"] = "s3cret" }), TestContext.Current.CancellationToken);

        var span = SpanUnder(parent);
        Assert.DoesNotContain(span.TagObjects, t => t.Value is string s ? s.Contains("s3cret", StringComparison.Ordinal) : t.Value is string[] a && a.Any(v => v.Contains("s3cret", StringComparison.Ordinal)));
    }

    /// <summary>The one process span whose parent is <paramref name="parent"/> (other tests run processes in parallel).</summary>
    private Activity SpanUnder(Activity parent) =>
        Assert.Single(_stopped, a => a.Source.Name == ProcessTracing.SourceName && a.ParentSpanId == parent.SpanId && a.TraceId == parent.TraceId);
}

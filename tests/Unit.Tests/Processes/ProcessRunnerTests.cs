using System.ComponentModel;
using System.Diagnostics;
using GpuSharing.Grains.Hardware.Processes;

namespace GpuSharing.Unit.Tests.Processes;

public sealed class ProcessRunnerTests
{
    private readonly ProcessRunner _runner = new();

    [Fact]
    public async Task Arguments_reach_the_process_verbatim_with_no_shell_in_between()
    {
        var result = await _runner.RunAsync(new ProcessRequest("/bin/echo", ["a b", "$HOME", "; rm -rf /", "`id`"], null, TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a b $HOME ; rm -rf / `id`\n", result.StandardOutput);
    }

    [Fact]
    public async Task Stdin_is_fed_and_stdout_captured()
    {
        var result = await _runner.RunAsync(new ProcessRequest("/bin/cat", [], "Y\n", TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);

        Assert.Equal("Y\n", result.StandardOutput);
    }

    [Fact]
    public async Task Stderr_and_the_exit_code_are_captured()
    {
        var result = await _runner.RunAsync(new ProcessRequest("/bin/ls", ["/definitely/not/here"], null, TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/definitely/not/here", result.StandardError, StringComparison.Ordinal);
    }

    // A duration no other sleep on the machine uses (test.sh's heartbeat sleeps 30), so the check finds only ours.
    private const string Marker = "31.4159";

    [Fact]
    public async Task A_process_that_outlives_its_timeout_is_killed()
    {
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ProcessTimeoutException>(() =>
            _runner.RunAsync(new ProcessRequest("/bin/sleep", [Marker], null, TimeSpan.FromMilliseconds(300)), TestContext.Current.CancellationToken));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Contains("did not finish within 0.3 s", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Process.GetProcessesByName("sleep"), p => CommandLine(p).Contains(Marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_executable_is_reported_as_such()
    {
        await Assert.ThrowsAsync<Win32Exception>(() =>
            _runner.RunAsync(new ProcessRequest("/no/such/amd-smi", ["list"], null, TimeSpan.FromSeconds(5)), TestContext.Current.CancellationToken));
    }

    private static string CommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline");
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}

using System.Diagnostics;

namespace GpuSharing.Unit.Tests.Processes;

/// <summary>The test support's ports: distinct, free, clear of the ranges others draw from, and claimed for every process.</summary>
public sealed class FreePortsTests
{
    [Fact]
    public async Task Ports_are_distinct_free_below_the_ephemeral_range_and_refused_to_another_process()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreePorts.Next()).ToList();
        var ephemeralFloor = int.Parse((await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_local_port_range", TestContext.Current.CancellationToken)).Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        // Another process (util-linux flock, no waiting) cannot take the claim of a port handed out here.
        using var probe = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["--nonblock", "--conflict-exit-code", "75", Path.Combine(Path.GetTempPath(), "gpu-sharing-test-ports", $"{ports[0]}.lock"), "true"]))!;
        await probe.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, FreePorts.First, FreePorts.Last));
        Assert.True(FreePorts.Last < Math.Min(ephemeralFloor, 22300), $"below the ephemeral range ({ephemeralFloor}) and Orleans' test clusters (22300)");
        Assert.All(ports.Take(5), p => Assert.True(FreePorts.IsFree(p), $"{p} is listened on"));
        Assert.Equal(75, probe.ExitCode);
    }
}

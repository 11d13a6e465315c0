using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class SetFixtureTests
{
    [Theory]
    [CoversFixture("set-compute-partition-CPX_rocm6.4_amdsmi25_mi300x-8gpu.txt")]
    [CoversFixture("set-compute-partition-SPX_rocm6.4_amdsmi25_mi300x-8gpu.txt")]
    [InlineData("set-compute-partition-CPX_rocm6.4_amdsmi25_mi300x-8gpu.txt", "CPX (profile #3)")]
    [InlineData("set-compute-partition-SPX_rocm6.4_amdsmi25_mi300x-8gpu.txt", "SPX (profile #0)")]
    public void Compute_partition_set_is_confirmed_by_every_GPU(string fileName, string profile)
    {
        var output = Fixtures.AmdSmi(fileName);
        var result = AmdSmiSetParser.Parse(output);

        Assert.True(result.AllSucceeded);
        Assert.Equal(Enumerable.Range(0, 8), result.Lines.Select(l => l.Gpu));
        Assert.All(result.Lines, l => Assert.Equal("ACCELERATOR_PARTITION", l.Setting));
        Assert.All(result.Lines, l => Assert.Equal($"Successfully set accelerator partition to {profile}", l.Message));
        Assert.False(result.AskedForConfirmation);
        Assert.Null(AmdSmiErrorClassifier.Classify(0, output, string.Empty));
    }

    [Fact]
    [CoversFixture("set-memory-partition-NPS1_rocm6.4_amdsmi25_mi300x-8gpu.txt")]
    public void Rocm64_memory_set_asks_for_confirmation_and_reloads_itself()
    {
        var output = Fixtures.AmdSmi("set-memory-partition-NPS1_rocm6.4_amdsmi25_mi300x-8gpu.txt");
        var result = AmdSmiSetParser.Parse(output);

        Assert.True(result.AllSucceeded);
        Assert.True(result.AskedForConfirmation);
        Assert.False(result.DriverReloadRequired);
        Assert.Equal(Enumerable.Range(0, 8), result.Lines.Select(l => l.Gpu));
        Assert.All(result.Lines, l => Assert.Equal(("MEMORY_PARTITION", "Successfully set memory partition to NPS1"), (l.Setting, l.Message)));
        Assert.Null(AmdSmiErrorClassifier.Classify(0, output, string.Empty));
    }

    [Fact]
    [CoversFixture("set-memory-partition-NPS2_rocm7.0.0_navi_NOT_SUPPORTED.txt")]
    public void Rocm70_memory_set_says_the_driver_must_be_reloaded_and_NOT_SUPPORTED_is_typed()
    {
        var output = Fixtures.AmdSmi("set-memory-partition-NPS2_rocm7.0.0_navi_NOT_SUPPORTED.txt");
        var result = AmdSmiSetParser.Parse(output);

        Assert.True(result.AskedForConfirmation);
        Assert.True(result.DriverReloadRequired);
        Assert.Equal(2, result.Failures.Count);
        Assert.All(result.Lines, l => Assert.Equal(("MEMORY_PARTITION", "NOT_SUPPORTED", false), (l.Setting, l.Status, l.Succeeded)));

        var error = AmdSmiErrorClassifier.Classify(0, output, string.Empty);
        Assert.Equal((DeviceErrorKind.NotSupported, 2), (error?.Kind, error?.StatusCode));
        Assert.StartsWith("Unable to set memory partition to NPS2", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    [CoversFixture("set-memory-partition-NPS4_rocm6.4_amdsmi25_mi300x-8gpu.txt")]
    public void Rocm64_memory_set_that_dies_after_15_GPUs_is_a_failure_not_a_success()
    {
        var output = Fixtures.AmdSmi("set-memory-partition-NPS4_rocm6.4_amdsmi25_mi300x-8gpu.txt");
        var result = AmdSmiSetParser.Parse(output);

        Assert.Equal(Enumerable.Range(0, 15), result.Lines.Select(l => l.Gpu));
        Assert.All(result.Lines, l => Assert.True(l.Succeeded));
        Assert.Equal("OSError: [Errno 24] Too many open files", result.FatalError);
        Assert.False(result.AllSucceeded);

        var error = AmdSmiErrorClassifier.Classify(1, output, string.Empty);
        Assert.Equal(DeviceErrorKind.Failed, error?.Kind);
        Assert.Contains("Too many open files", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    [CoversFixture("set-power-cap_rocm7.0.0_mi3x-dpx_secondary-NOT_SUPPORTED.txt")]
    public void Device_wide_set_on_secondary_partitions_fails_per_GPU()
    {
        var result = AmdSmiSetParser.Parse(Fixtures.AmdSmi("set-power-cap_rocm7.0.0_mi3x-dpx_secondary-NOT_SUPPORTED.txt"));

        Assert.Equal([(0, true), (1, false), (2, true), (3, false)], result.Lines.Select(l => (l.Gpu, l.Succeeded)));
        Assert.All(result.Lines, l => Assert.Equal("POWERCAP", l.Setting));
        Assert.Equal(["NOT_SUPPORTED", "NOT_SUPPORTED"], result.Failures.Select(f => f.Status));
    }
}

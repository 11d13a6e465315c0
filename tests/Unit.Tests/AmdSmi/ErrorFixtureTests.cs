using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class ErrorFixtureTests
{
    [Fact]
    [CoversFixture("error-set-compute-partition-SPX-while-NPS4-SETTING_UNAVAILABLE_rocm6.4_mi300x.txt")]
    public void SPX_while_NPS4_is_SETTING_UNAVAILABLE_55_with_the_devices_reason()
    {
        var error = AmdSmiErrorClassifier.Classify(1, string.Empty, Fixtures.AmdSmi("error-set-compute-partition-SPX-while-NPS4-SETTING_UNAVAILABLE_rocm6.4_mi300x.txt"));

        Assert.NotNull(error);
        Assert.Equal(DeviceErrorKind.SettingUnavailable, error.Kind);
        Assert.Equal(55, error.StatusCode);
        Assert.StartsWith("Unable to set accelerator partition to SPX on GPU ID: 0 BDF:0000:11:00.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("AMDSMI_STATUS_SETTING_UNAVAILABLE - Setting is not available", error.Message, StringComparison.Ordinal);
        Assert.Contains("Users may need to switch memory partition", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [CoversFixture("error-set-compute-partition-nosudo-NO_PERM_rocm6.4_mi300x.txt")]
    public void Set_without_sudo_is_NO_PERM_10()
    {
        // The status is in the output even when the exit code says nothing.
        var error = AmdSmiErrorClassifier.Classify(0, Fixtures.AmdSmi("error-set-compute-partition-nosudo-NO_PERM_rocm6.4_mi300x.txt"), string.Empty);

        Assert.NotNull(error);
        Assert.Equal(DeviceErrorKind.NoPermission, error.Kind);
        Assert.Equal(10, error.StatusCode);
        Assert.Contains("AMDSMI_STATUS_NO_PERM - Permission Denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("PermissionError: Command requires elevation", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Error code:\n 30 | AMDSMI_STATUS_BUSY - Device busy\nValueError: Unable to set accelerator partition to SPX on GPU ID: 0", DeviceErrorKind.Busy, 30)]
    [InlineData("MEMORY_PARTITION: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set memory partition to NPS2", DeviceErrorKind.NotSupported, 2)]
    [InlineData("Error code:\n 34 | AMDSMI_STATUS_DRIVER_NOT_LOADED - Driver not loaded", DeviceErrorKind.DriverNotLoaded, 34)]
    [InlineData("Error code:\n 54 | AMDSMI_STATUS_AMDGPU_RESTART_ERR - AMDGPU restart failed", DeviceErrorKind.DriverReloadFailed, 54)]
    [InlineData("Error code: 31", DeviceErrorKind.NotFound, 31)]
    public void Status_codes_map_to_typed_errors(string output, DeviceErrorKind kind, int code)
    {
        var error = AmdSmiErrorClassifier.Classify(0, output, string.Empty);

        Assert.Equal((kind, (int?)code), (error?.Kind, error?.StatusCode));
    }

    [Fact]
    public void A_nonzero_exit_without_a_status_is_Failed_with_its_exit_code_and_last_line()
    {
        var error = AmdSmiErrorClassifier.Classify(2, string.Empty, "usage: amd-smi [-h]\namd-smi: error: unrecognized arguments: --bogus");

        Assert.Equal(DeviceErrorKind.Failed, error?.Kind);
        Assert.Equal(2, error?.StatusCode);
        Assert.Contains("unrecognized arguments: --bogus", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_alone_are_not_errors()
    {
        Assert.Null(AmdSmiErrorClassifier.Classify(0, "WARNING: User is missing the following required groups: render, video.\nGPU: 0", string.Empty));
    }
}

namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>Every way a device operation can fail. The amd-smi status code, where there is one, is in <see cref="DeviceError.StatusCode"/>.</summary>
public enum DeviceErrorKind
{
    /// <summary>AMDSMI_STATUS_NO_PERM (10): the tool needs root.</summary>
    NoPermission,
    /// <summary>AMDSMI_STATUS_BUSY (30): processes hold the device.</summary>
    Busy,
    /// <summary>AMDSMI_STATUS_SETTING_UNAVAILABLE (55): the mode is not available in the current memory mode.</summary>
    SettingUnavailable,
    /// <summary>AMDSMI_STATUS_NOT_SUPPORTED (2).</summary>
    NotSupported,
    /// <summary>The node is an SR-IOV guest (virtual machine): it can read partitions but never set them.</summary>
    GuestCannotSet,
    /// <summary>The tool did not finish in time and was killed; the device state is unknown.</summary>
    Timeout,
    /// <summary>The tool's output could not be understood.</summary>
    Unparsable,
    /// <summary>AMDSMI_STATUS_INVAL (1) or a rejected argument.</summary>
    InvalidArgument,
    /// <summary>AMDSMI_STATUS_NOT_FOUND (31) or a GPU that is not on the node.</summary>
    NotFound,
    /// <summary>AMDSMI_STATUS_DRIVER_NOT_LOADED (34).</summary>
    DriverNotLoaded,
    /// <summary>AMDSMI_STATUS_AMDGPU_RESTART_ERR (54) or a failed driver reload.</summary>
    DriverReloadFailed,
    /// <summary>The configured executable does not exist or cannot be started.</summary>
    ExecutableNotFound,
    /// <summary>The command reported success but a re-read of the device shows something else.</summary>
    VerificationFailed,
    /// <summary>Any other failure.</summary>
    Failed,
}

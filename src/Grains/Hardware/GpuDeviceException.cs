using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware;

/// <summary>A device operation failed; <see cref="Error"/> says how, in a form callers can act on.</summary>
public sealed class GpuDeviceException : Exception
{
    public GpuDeviceException(DeviceError error)
        : base(error.ToString()) => Error = error;

    public GpuDeviceException(DeviceError error, Exception innerException)
        : base(error.ToString(), innerException) => Error = error;

    public GpuDeviceException()
        : this(new DeviceError(DeviceErrorKind.Failed, null, "Device operation failed."))
    {
    }

    public GpuDeviceException(string message)
        : this(new DeviceError(DeviceErrorKind.Failed, null, message))
    {
    }

    public GpuDeviceException(string message, Exception innerException)
        : this(new DeviceError(DeviceErrorKind.Failed, null, message), innerException)
    {
    }

    public DeviceError Error { get; }

    public DeviceErrorKind Kind => Error.Kind;
}

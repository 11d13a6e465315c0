namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>Runs an executable with an argument list, no shell in between.</summary>
public interface IProcessRunner
{
    /// <exception cref="ProcessTimeoutException">The timeout elapsed; the process tree was killed.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The executable could not be started.</exception>
    Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken cancellationToken);
}

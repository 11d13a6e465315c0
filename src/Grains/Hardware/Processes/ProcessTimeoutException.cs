namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>The process outlived its timeout and its whole process tree was killed.</summary>
public sealed class ProcessTimeoutException : TimeoutException
{
    public ProcessTimeoutException()
    {
    }

    public ProcessTimeoutException(string message)
        : base(message)
    {
    }

    public ProcessTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProcessTimeoutException(ProcessRequest request, string partialOutput)
        : base($"'{request}' did not finish within {request.Timeout.TotalSeconds:0.#} s and was killed.") => PartialOutput = partialOutput;

    public string PartialOutput { get; } = string.Empty;
}

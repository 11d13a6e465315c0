namespace GpuSharing.Silo.Nodes;

/// <summary>How far the node agent got; read by the readiness check.</summary>
public sealed class NodeAgentStatus
{
    private volatile string? _lastError;
    private volatile bool _registered;

    public bool Registered => _registered;

    public string? LastError => _lastError;

    public int GpuCount { get; private set; }

    public void MarkRegistered(int gpuCount)
    {
        GpuCount = gpuCount;
        _lastError = null;
        _registered = true;
    }

    public void MarkFailed(string error) => _lastError = error;
}

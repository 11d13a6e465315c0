namespace GpuSharing.Grains.Interfaces.Nodes;

/// <summary>
/// A hardware grain was called while no silo serves its node. Part of the contract because it reaches clients: a type
/// with a generated codec that a client cannot load fails to deserialize (a 500 where a 503 is due).
/// </summary>
[GenerateSerializer, Alias("gpusharing.NodeUnreachableException")]
public sealed class NodeUnreachableException : OrleansException
{
    public NodeUnreachableException()
    {
    }

    public NodeUnreachableException(string message)
        : base(message)
    {
    }

    public NodeUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

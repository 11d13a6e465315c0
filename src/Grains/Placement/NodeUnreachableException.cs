namespace GpuSharing.Grains.Placement;

/// <summary>A hardware grain was called while no silo serves its node.</summary>
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

namespace GpuSharing.Grains.Nodes;

/// <summary>Whether a GPU node's silo is an active member of the cluster right now.</summary>
public interface INodeReachability
{
    bool IsReachable(string node);
}

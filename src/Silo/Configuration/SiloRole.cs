namespace GpuSharing.Silo.Configuration;

public enum SiloRole
{
    /// <summary>Hosts the GPU and partition grains of its node and runs amd-smi; nothing else.</summary>
    Node,

    /// <summary>Hosts control-plane grains (nodes, fleet, later models and placement); never touches a device.</summary>
    Control,

    /// <summary>Both, in one process: the local default.</summary>
    All,
}

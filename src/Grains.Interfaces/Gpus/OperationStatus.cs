namespace GpuSharing.Grains.Interfaces.Gpus;

public enum OperationStatus
{
    Running,

    /// <summary>The device was re-read and shows the requested layout.</summary>
    Succeeded,

    /// <summary>A step failed; the device was put back and re-read in its previous layout.</summary>
    RolledBack,

    /// <summary>A step failed and the device state could not be verified; the GPU is Degraded.</summary>
    Degraded,

    /// <summary>
    /// A step failed before anything changed (no permission, say): a re-read shows every GPU as it was, and they are
    /// Ready. (Last in the list: stored operations keep their numbers.)
    /// </summary>
    Failed,
}

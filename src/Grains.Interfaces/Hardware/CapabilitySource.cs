namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>Where a GPU's partition capabilities came from.</summary>
public enum CapabilitySource
{
    /// <summary>Read from the device (amd-smi partition profiles and memory caps).</summary>
    Device,
    /// <summary>The device did not say (for example amd-smi without root); taken from the hardware catalog.</summary>
    Catalog,
}

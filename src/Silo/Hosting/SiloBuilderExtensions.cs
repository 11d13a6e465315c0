using Azure.Data.Tables;
using GpuSharing.Grains;
using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Nodes;
using GpuSharing.Silo.Activation;
using GpuSharing.Silo.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace GpuSharing.Silo.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// What every silo of this product needs, whatever its storage and clustering: its role and node published as
    /// silo metadata, the placement directors that put hardware grains on their node and control grains on control
    /// silos, reachability from membership, readable JSON grain state, and the dashboard's silo side.
    /// </summary>
    public static ISiloBuilder AddGpuSharing(this ISiloBuilder silo, SiloRole role, string? node)
    {
        var metadata = new Dictionary<string, string> { [SiloMetadataKeys.Role] = role.ToString().ToLowerInvariant() };
        if (role is SiloRole.Node or SiloRole.All)
        {
            metadata[SiloMetadataKeys.Node] = node ?? throw new ArgumentException("A node silo needs a node name.", nameof(node));
        }

        silo.UseSiloMetadata(metadata);
        silo.Services.AddPlacementDirector<NodeAffinityPlacement, NodeAffinityPlacementDirector>();
        silo.Services.AddPlacementDirector<ControlPlanePlacement, ControlPlanePlacementDirector>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<INodeReachability, MembershipNodeReachability>();

        // Grain state as plain JSON (no assembly-qualified type names), so that state survives type moves and can be read in the table.
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.AddDashboard(o => o.HideTrace = true);
        return silo;
    }

    /// <summary>
    /// The two grain stores (hardware, control plane): Azure Table storage when a connection string is given (state
    /// that outlives a silo), memory otherwise (state that lives and dies with the silo).
    /// </summary>
    public static ISiloBuilder AddGpuSharingStorage(this ISiloBuilder silo, string? azureTableConnectionString)
    {
        foreach (var name in new[] { StorageNames.Hardware, StorageNames.ControlPlane })
        {
            if (azureTableConnectionString is null)
            {
                silo.AddMemoryGrainStorage(name);
            }
            else
            {
                silo.AddAzureTableGrainStorage(name, o => o.TableServiceClient = new TableServiceClient(azureTableConnectionString));
            }
        }

        return silo;
    }
}

using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Silo.Configuration;

/// <summary>Where state and membership live (<c>GpuSharing:Storage</c>, <c>GpuSharing:Clustering</c>, <c>GpuSharing:Cluster:*</c>).</summary>
public sealed class GpuSharingClusterOptions
{
    /// <summary><c>azure</c> (Azure Table; Azurite locally) or <c>memory</c> (lost on restart).</summary>
    [RegularExpression("^(azure|memory)$", ErrorMessage = "GpuSharing:Storage must be 'azure' or 'memory'.")]
    public string Storage { get; set; } = "azure";

    /// <summary><c>localhost</c> (one silo, or several with a primary) or <c>azure</c> (membership in Azure Table).</summary>
    [RegularExpression("^(localhost|azure)$", ErrorMessage = "GpuSharing:Clustering must be 'localhost' or 'azure'.")]
    public string Clustering { get; set; } = "localhost";

    /// <summary>Identifies this deployment of the cluster; silos and gateways with the same id find each other.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "gpu-sharing";

    /// <summary>Identifies the service across deployments; grain state is keyed by it. Never change it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = "gpu-sharing";

    /// <summary><c>ConnectionStrings:AzureStorage</c>; <c>UseDevelopmentStorage=true</c> is Azurite.</summary>
    public string? AzureStorageConnectionString { get; set; }

    public bool UsesAzureStorage => Storage == "azure";

    public bool UsesAzureClustering => Clustering == "azure";
}

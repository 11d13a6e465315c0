using System.ComponentModel.DataAnnotations;
using System.Net;
using Azure.Data.Tables;
using GpuSharing.ClusterSecurity;
using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Hardware.AmdSmi;
using GpuSharing.Grains.Hardware.Processes;
using GpuSharing.Grains.Placement;
using GpuSharing.Silo.Configuration;
using GpuSharing.Observability;
using GpuSharing.Silo.Health;
using GpuSharing.Silo.Metrics;
using GpuSharing.Silo.Serving;
using Orleans.Configuration;
using Orleans.Diagnostics;

namespace GpuSharing.Silo.Hosting;

public static class SiloHostBuilderExtensions
{
    /// <summary>
    /// Configures the silo process from <c>GpuSharing:*</c>: role, node and backend, storage (<c>azure</c> | <c>memory</c>),
    /// clustering (<c>localhost</c> | <c>azure</c>), ports. Invalid configuration stops the process at start with the reason.
    /// </summary>
    /// <summary>The product's meters a silo exports: the fleet (control silos) and placement.</summary>
    private static readonly string[] MetricsMeters = [FleetMetrics.MeterName, "GpuSharing.Placement"];

    /// <summary>The spans a silo exports when tracing is on: grain calls, grain state writes, and the processes (amd-smi) a node runs.</summary>
    private static readonly string[] TracedSources =
        [ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.StorageActivitySourceName, ProcessTracing.SourceName];

    public static WebApplicationBuilder AddGpuSharingSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var host = Bind<SiloHostOptions>(configuration, SiloHostOptions.SectionName);
        var cluster = BindCluster(configuration);
        var node = Bind<NodeOptions>(configuration, NodeOptions.SectionName);

        builder.Services.AddValidatedOptions<SiloHostOptions>(SiloHostOptions.SectionName);
        builder.Services.AddValidatedOptions<NodeOptions>(NodeOptions.SectionName);
        builder.Services.AddValidatedOptions<AmdSmiOptions>(AmdSmiOptions.SectionName);
        builder.Services.AddValidatedOptions<PlacementOptions>(PlacementOptions.SectionName);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        builder.Services.AddHealthChecks().AddCheck<SiloActiveHealthCheck>("silo", tags: ["ready"]);
        if (host.HostsNode)
        {
            if (!node.IsSimulated)
            {
                Validate(Bind<AmdSmiOptions>(configuration, AmdSmiOptions.SectionName));
            }

            builder.Services.AddGpuNode(node);
        }

        builder.AddGpuSharingMetrics(MetricsMeters);
        builder.AddGpuSharingTracing("gpu-sharing-silo", host.HostsNode ? node.Name : null, TracedSources);
        if (host.Role is SiloRole.Control or SiloRole.All)
        {
            builder.Services.AddHostedService<DeclaredEndpointReporter>();
            builder.Services.AddSingleton<FleetMetrics>();
            builder.Services.AddSingleton<FleetSampler>();
            builder.Services.AddHostedService(services => services.GetRequiredService<FleetSampler>());
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            ConfigureClustering(silo, host, cluster);
            silo.AddGpuSharingStorage(cluster.UsesAzureStorage ? cluster.AzureStorageConnectionString : null);
            silo.UseClusterTls(builder.Configuration);
            silo.AddGpuSharing(host.Role, host.HostsNode ? node.Name : null);
            silo.AddActivityPropagation(); // the caller's trace context rides along every grain call (spans only while tracing is on)
            if (host.FastFailureDetection)
            {
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                    o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                    o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                    o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
                });
            }
        });
        return builder;
    }

    private static void ConfigureClustering(ISiloBuilder silo, SiloHostOptions host, GpuSharingClusterOptions cluster)
    {
        var advertised = string.IsNullOrWhiteSpace(host.AdvertisedAddress) ? IPAddress.Loopback : IPAddress.Parse(host.AdvertisedAddress);
        if (cluster.UsesAzureClustering)
        {
            silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(cluster.AzureStorageConnectionString));

            // Orleans would otherwise advertise the first non-loopback address it finds, not POD_IP.
            silo.ConfigureEndpoints(advertised, host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: host.ListenOnAnyAddress);
        }
        else
        {
            var primary = host.PrimarySiloPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, primary, cluster.ServiceId, cluster.ClusterId);
        }
    }

    private static GpuSharingClusterOptions BindCluster(IConfiguration configuration)
    {
        var cluster = new GpuSharingClusterOptions
        {
            Storage = configuration["GpuSharing:Storage"] ?? "azure",
            Clustering = configuration["GpuSharing:Clustering"] ?? "localhost",
            AzureStorageConnectionString = configuration.GetConnectionString("AzureStorage"),
        };
        configuration.GetSection("GpuSharing:Cluster").Bind(cluster);
        Validate(cluster);
        if ((cluster.UsesAzureStorage || cluster.UsesAzureClustering) && string.IsNullOrWhiteSpace(cluster.AzureStorageConnectionString))
        {
            throw new InvalidOperationException("GpuSharing:Storage or GpuSharing:Clustering is 'azure' but ConnectionStrings:AzureStorage is not set (UseDevelopmentStorage=true for Azurite).");
        }

        return cluster;
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        Validate(options);
        return options;
    }

    private static void Validate(object options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new InvalidOperationException($"Invalid configuration: {string.Join(" ", results.Select(r => r.ErrorMessage))}");
        }
    }
}

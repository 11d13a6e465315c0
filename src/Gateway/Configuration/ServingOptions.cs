using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Configuration;

/// <summary>The OpenAI-compatible request path (<c>GpuSharing:Gateway:Serving</c>).</summary>
public sealed class ServingOptions
{
    public const string SectionName = "GpuSharing:Gateway:Serving";

    /// <summary>How often the replica endpoints are read from the directory and checked (<c>GET /health</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan EndpointRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A health check slower than this counts as a failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed checks after which a replica gets no more requests (a failed proxy attempt counts too).</summary>
    [Range(1, 10)]
    public int UnhealthyAfter { get; set; } = 2;

    /// <summary>How long a request waits for a slot when it brings no deadline of its own.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Queue places per priority class, as a multiple of the deployment's concurrency (its replicas' sequences).</summary>
    [Range(0, 100)]
    public int QueuePerSlot { get; set; } = 2;

    /// <summary>
    /// While a higher class is active, this share of a deployment's slots is kept for it: the classes below use at most
    /// the rest, so that a <c>high</c> request does not wait for a <c>low</c> one's whole answer. 0 turns headroom off.
    /// </summary>
    [Range(0.0, 0.9)]
    public double HeadroomShare { get; set; } = 0.5;

    /// <summary>How long after its last request a class still counts as active for the headroom.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DemandMemory { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Admission by priority (the default). <c>false</c> makes the gateway a plain proxy that sends every request on at
    /// once, leaving the servers' own queues to order them: the baseline the serving benchmark compares against.
    /// </summary>
    public bool Admission { get; set; } = true;

    /// <summary>
    /// How often each replica's <c>/metrics</c> is scraped for requests that reached it without the gateway, which are
    /// then counted in its SLO. 0 turns it off (do so on all but one gateway replica).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan BypassScrapeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest request body read (the <c>model</c> field is read from it to route).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}

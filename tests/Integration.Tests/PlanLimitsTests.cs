using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// What-if plans need the token when one is configured and are bounded in size, time and concurrency, and a PUT or DELETE answered with an error the caller cannot
/// tell apart from success (a 503) is safe to send again.
/// </summary>
public sealed class PlanLimitsTests(PlanLimitsFixture fixture) : IClassFixture<PlanLimitsFixture>
{
    private static readonly HttpStatusCode[] Admitted = [HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity];

    private static readonly string[] Priorities = ["low", "medium", "high"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_a_token_configured_a_plan_requires_it()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Cluster.Http.BaseAddress };

        var refused = await anonymous.PostAsJsonAsync("/api/v1/plan", Plan(1, 1, 0), Cancellation);
        var admitted = await fixture.Cluster.Http.PostAsJsonAsync("/api/v1/plan", Plan(1, 1, 0), Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains(admitted.StatusCode, Admitted);
    }

    [Theory]
    [InlineData(501, 1, 0, "'deployments' must hold 1 to 500 deployments.")]
    [InlineData(500, 9, 0, "A plan places at most 4096 replicas in all; these deployments ask for 4500.")]
    [InlineData(1, 1, 4097, "A hypothetical fleet has at most 4096 GPUs.")] // 4,096 MI300X and one MI355X
    public async Task A_plan_beyond_the_size_limits_is_refused_before_any_work(int deployments, int replicas, int gpus, string error)
    {
        var response = await fixture.Cluster.Http.PostAsJsonAsync("/api/v1/plan", Plan(deployments, replicas, gpus), Cancellation);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, problem["errors"]!.AsObject().SelectMany(e => e.Value!.AsArray()).Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task A_plan_that_runs_past_its_time_stops_and_says_so()
    {
        var response = await fixture.Cluster.Http.PostAsJsonAsync("/api/v1/plan", Plan(500, 8, 4096), Cancellation);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("urn:gpu-sharing:problem:plan-too-large", problem["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Plans_beyond_the_concurrency_limit_get_429_with_Retry_After_while_other_requests_go_on()
    {
        // Two plans whose bodies stall after the first byte: one holds the only permit while its handler reads the body,
        // the other waits in the queue (one place). A third is turned away at once.
        var small = Plan(1, 1, 0).ToJsonString();
        using var holding = new StalledContent(small);
        using var queued = new StalledContent(small);
        var first = fixture.Cluster.Http.PostAsync("/api/v1/plan", holding, Cancellation);
        await holding.Started.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        await Task.Delay(300, Cancellation); // the first holds its permit before the second arrives
        var second = fixture.Cluster.Http.PostAsync("/api/v1/plan", queued, Cancellation);
        await queued.Started.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        await Task.Delay(300, Cancellation);

        // The PUT goes on while both plans hold their places; the bodies are released as soon as the third plan is
        // answered, not after the PUT: Kestrel answers 408 to a body that stalls for more than its grace period (5 s).
        var putting = fixture.Cluster.Http.PutAsJsonAsync("/api/v1/models/busy/during-plans", new { model = "qwen2.5-0.5b" }, Cancellation);
        var third = await fixture.Cluster.Http.PostAsJsonAsync("/api/v1/plan", Plan(1, 1, 0), Cancellation);
        holding.Release();
        queued.Release();
        var put = await putting;
        var problem = JsonNode.Parse(await third.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("urn:gpu-sharing:problem:too-many-plans", problem["type"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(5), third.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // Once the bodies arrive both plans are admitted, the queued one after the first (and here stopped by the 10 ms
        // deadline, or finished within it).
        Assert.Contains((await first).StatusCode, Admitted);
        Assert.Contains((await second).StatusCode, Admitted);
    }

    [Fact]
    public async Task The_same_PUT_again_changes_nothing_and_a_second_DELETE_finds_nothing()
    {
        const string path = "/api/v1/models/retry/same-put";
        var spec = new { model = "qwen2.5-0.5b", priority = "low" };
        var first = await fixture.Cluster.Http.PutAsJsonAsync(path, spec, Cancellation);
        var placed = await fixture.Cluster.WaitForAsync(path, m => m["status"]?.GetValue<string>() == "Placed", TimeSpan.FromSeconds(30));
        var again = await fixture.Cluster.Http.PutAsJsonAsync(path, spec, Cancellation);
        var afterAgain = await fixture.Cluster.GetJsonAsync(path);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(placed["generation"]!.ToJsonString(), afterAgain["generation"]!.ToJsonString());
        Assert.Equal(placed["placements"]!.ToJsonString(), afterAgain["placements"]!.ToJsonString());
        Assert.Equal(placed["binding"]!.ToJsonString(), afterAgain["binding"]!.ToJsonString());

        var delete = await fixture.Cluster.Http.DeleteAsync(path, Cancellation);
        var deleteAgain = await fixture.Cluster.Http.DeleteAsync(path, Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Cluster.Http.GetAsync(path, Cancellation)).StatusCode);
    }

    private static JsonObject Plan(int deployments, int replicas, int gpus)
    {
        var items = new JsonArray([.. Enumerable.Range(0, deployments).Select(i => (JsonNode)new JsonObject
        {
            ["namespace"] = "plan",
            ["name"] = $"d{i}",
            // Mixed sizes and priorities, as in a real plan: the planner packs, preempts and converges, which takes seconds.
            ["model"] = i % 3 == 0 ? "qwen2.5-32b" : "qwen2.5-7b",
            ["priority"] = Priorities[i % 3],
            ["replicas"] = replicas,
        })]);
        var plan = new JsonObject { ["deployments"] = items };
        if (gpus > 0)
        {
            var fleet = new JsonArray(new JsonObject { ["model"] = "MI300X", ["count"] = Math.Min(gpus, 4096) });
            if (gpus > 4096)
            {
                fleet.Add(new JsonObject { ["model"] = "MI355X", ["count"] = gpus - 4096 });
            }

            plan["fleet"] = fleet;
        }

        return plan;
    }
}

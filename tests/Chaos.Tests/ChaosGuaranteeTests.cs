namespace GpuSharing.Chaos.Tests;

/// <summary>
/// The guarantees of the README's "Guarantees" section, each checked on the same short chaos run: silos killed under
/// load, storage frozen and cut off, malformed requests on every route.
/// </summary>
public sealed class ChaosGuaranteeTests(ChaosRunFixture run) : IClassFixture<ChaosRunFixture>
{
    private ChaosReport Report
    {
        get
        {
            TestContext.Current.TestOutputHelper?.WriteLine(run.Report.Describe());
            return run.Report;
        }
    }

    [Fact]
    public void Killing_silos_under_load_never_answers_an_error_other_than_503_or_504_and_every_503_says_when_to_retry()
    {
        Assert.Equal(Report.Settings.Kills, Report.Kills.Count);
        Assert.True(Report.SiloLoad.Total > 0, "the load generator sent nothing");
        Assert.Equal(0, Report.SiloLoad.ServerErrors);
        Assert.Equal(0, Report.SiloLoad.UnavailableWithoutRetryAfter);
    }

    [Fact]
    public void After_silo_kills_reservations_and_deployments_agree_and_no_acknowledged_deployment_is_lost()
    {
        var audit = Report.AfterSiloChaos!;
        Assert.NotNull(Report.ConvergedAfterLastKill);
        Assert.Empty(audit.OverCommitted);
        Assert.Empty(audit.Orphaned);
        Assert.Empty(audit.PlacedWithoutReservation);
        Assert.Empty(audit.Lost);
        Assert.True(audit.Placed > 0, audit.Describe());
    }

    [Fact]
    public void A_frozen_or_unreachable_storage_answers_503_with_Retry_After_and_writes_resume_afterwards()
    {
        Assert.Equal(["frozen", "unreachable"], Report.Outages.Select(o => o.Kind));
        Assert.All(Report.Outages, outage =>
        {
            Assert.Equal(0, outage.Stats.ServerErrors);
            Assert.Equal(0, outage.Stats.UnavailableWithoutRetryAfter);
            Assert.NotNull(outage.Recovery);
        });
        var audit = Report.AfterStorageOutage!;
        Assert.True(audit.Converged, audit.Describe());
        Assert.Empty(audit.Lost);
    }

    [Fact]
    public void Malformed_requests_on_every_route_get_problem_details_and_never_an_error_of_ours()
    {
        var fuzz = Report.Fuzz!;
        Assert.Equal(Report.Settings.FuzzRequests, fuzz.Requests);
        Assert.True(fuzz.Operations >= 10, $"only {fuzz.Operations} operations of the OpenAPI document were fuzzed");
        Assert.Empty(fuzz.ServerErrors);
        Assert.Empty(fuzz.NotProblemDetails);
        var audit = Report.AfterFuzz!;
        Assert.True(audit.Converged, audit.Describe());
        Assert.Empty(audit.Lost);
    }

    [Fact]
    public void The_run_breaks_no_guarantee() => Assert.Empty(Report.Violations());
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class RequestDispatcherTests
{
    private static readonly RequestContext s_context = new(1, new IPEndPoint(IPAddress.Loopback, 1234), DateTimeOffset.UnixEpoch);
    private static readonly JsonElement s_request = JsonDocument.Parse("{}").RootElement;

    private static RequestDispatcher WithTypes(bool standby, params string[] types)
    {
        var dispatcher = new RequestDispatcher(NullLogger<RequestDispatcher>.Instance);
        foreach (var type in types)
        {
            dispatcher.Map(type, (_, _, _) => ValueTask.FromResult(Response.Ok(type + "_ok")));
        }

        dispatcher.UseStandbyGate(() => standby);
        dispatcher.Freeze();
        return dispatcher;
    }

    [Theory]
    [InlineData("register")]
    [InlineData("deregister")]
    [InlineData("create_network")]
    [InlineData("join_network")]
    [InlineData("set_hostname")]
    [InlineData("report_trust")]
    public async Task DispatchAsync_StandbyWriteType_RejectedAsRequestFailed(string type)
    {
        var dispatcher = WithTypes(standby: true, type);

        var (response, outcome) = await dispatcher.DispatchAsync(s_context, type, s_request, TestContext.Current.CancellationToken);

        Assert.Equal(DispatchOutcome.Standby, outcome);
        Assert.Equal(StandbyPolicy.RejectionMessage, response.Error);
        Assert.Equal("request failed", ErrorSanitizer.Sanitize(response.Error));
    }

    [Fact]
    public async Task DispatchAsync_StandbyReadTypes_AllServed()
    {
        var dispatcher = WithTypes(standby: true, [.. StandbyPolicy.ReadOnlyTypes]);

        foreach (var type in StandbyPolicy.ReadOnlyTypes)
        {
            var (response, outcome) = await dispatcher.DispatchAsync(s_context, type, s_request, TestContext.Current.CancellationToken);
            Assert.Equal(DispatchOutcome.Ok, outcome);
            Assert.Equal($"{{\"type\":\"{type}_ok\"}}", response.ToString());
        }
    }

    [Fact]
    public void ReadOnlyTypes_MatchSpecSection5() => Assert.Equal(23, StandbyPolicy.ReadOnlyTypes.Count);

    [Fact]
    public async Task DispatchAsync_PrimaryWriteType_Served()
    {
        var dispatcher = WithTypes(standby: false, "register");

        var (_, outcome) = await dispatcher.DispatchAsync(s_context, "register", s_request, TestContext.Current.CancellationToken);

        Assert.Equal(DispatchOutcome.Ok, outcome);
    }

    [Fact]
    public async Task DispatchAsync_UnknownType_Unknown()
    {
        var dispatcher = WithTypes(standby: false, "lookup");

        var (response, outcome) = await dispatcher.DispatchAsync(s_context, "bogus", s_request, TestContext.Current.CancellationToken);

        Assert.Equal(DispatchOutcome.Unknown, outcome);
        Assert.Equal("request failed", ErrorSanitizer.Sanitize(response.Error));
    }

    [Fact]
    public void Map_AfterFreezeOrDuplicateOrSubscribe_Throws()
    {
        var dispatcher = new RequestDispatcher(NullLogger<RequestDispatcher>.Instance);
        dispatcher.Map("a", (_, _, _) => ValueTask.FromResult(Response.Ok("a_ok")));

        Assert.Throws<ArgumentException>(() => dispatcher.Map("a", (_, _, _) => ValueTask.FromResult(Response.Ok("a_ok"))));
        Assert.Throws<ArgumentException>(() => dispatcher.Map("subscribe_replication", (_, _, _) => ValueTask.FromResult(Response.Ok("x"))));
        dispatcher.Freeze();
        Assert.Throws<InvalidOperationException>(() => dispatcher.Map("b", (_, _, _) => ValueTask.FromResult(Response.Ok("b_ok"))));
    }

    [Fact]
    public async Task Standby_OverTcp_WriteRejectedReadServed()
    {
        var ct = Timeouts.Bounded();
        await using var server = TestServer.Start(
            map: d => d.Map("register", (_, _, _) => ValueTask.FromResult(Response.Ok("register_ok")))
                       .Map("lookup", (_, _, _) => ValueTask.FromResult(Response.Ok("lookup_ok"))),
            isStandby: () => true);
        using var client = await server.ConnectAsync(ct);

        Assert.Equal("request failed", (await client.RequestAsync("{\"type\":\"register\"}", ct)).GetProperty("error").GetString());
        Assert.Equal("lookup_ok", (await client.RequestAsync("{\"type\":\"lookup\"}", ct)).GetProperty("type").GetString());
    }
}

using Registry.Persistence.Deltas;

namespace Registry.Core.Tests;

public sealed class NodeRegistryTrustTests
{
    private readonly TestKit _kit = new();

    private NodeRegistry Registry => _kit.Registry;

    [Fact]
    public void ReportTrust_BothExist_CreatesSymmetricPair()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);

        Registry.ReportTrust(b, a);

        Assert.True(Registry.CheckTrust(a, b));
        Assert.True(Registry.CheckTrust(b, a));
        Assert.Equal(DeltaType.TrustAdd, _kit.LastEntry.Type);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void ReportTrust_UnknownPeer_Refused()
    {
        var a = _kit.Register(1);

        _kit.AssertRefused(() => Registry.ReportTrust(a, 5), RegistryErrorCode.NodeNotFound, "node 5: node not found");
        _kit.AssertRefused(() => Registry.ReportTrust(6, a), RegistryErrorCode.NodeNotFound, "node 6: node not found");
    }

    [Fact]
    public void RevokeTrust_Existing_RemovesPair()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);
        Registry.ReportTrust(a, b);

        Registry.RevokeTrust(b, a);

        Assert.False(Registry.CheckTrust(a, b));
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void RevokeTrust_Missing_Refused()
    {
        _kit.AssertRefused(() => Registry.RevokeTrust(1, 2), RegistryErrorCode.NoTrustPair, "no trust pair between 1 and 2");
    }

    [Fact]
    public void Handshake_RequestPollAccept_CreatesTrustAndResponse()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);
        Registry.RequestHandshake(a, b, "let me in");

        var poll = Registry.PollHandshakes(b);
        Assert.Equal([new HandshakeRequestMessage(a, "let me in", TestKit.Start)], poll.Requests);
        Assert.Empty(Registry.PollHandshakes(b).Requests);
        _kit.Time.Advance(TimeSpan.FromSeconds(30));
        Registry.RespondHandshake(b, a, accept: true);

        Assert.True(Registry.CheckTrust(a, b));
        var answers = Registry.PollHandshakes(a);
        Assert.Equal([new HandshakeResponseMessage(b, true, TestKit.Start.AddSeconds(30))], answers.Responses);
        Assert.NotEqual(0ul, answers.Sequence);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void PollHandshakes_Empty_LogsNothing()
    {
        var a = _kit.Register(1);
        var logged = _kit.Log.Entries.Count;

        var poll = Registry.PollHandshakes(a);

        Assert.Equal(0ul, poll.Sequence);
        Assert.Equal(logged, _kit.Log.Entries.Count);
    }

    [Fact]
    public void RespondHandshake_RejectWithoutPending_StillAnswers()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);

        Registry.RespondHandshake(b, a, accept: false);

        Assert.False(Registry.CheckTrust(a, b));
        Assert.Single(Registry.PollHandshakes(a).Responses);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void Handshake_Errors_Refused()
    {
        var a = _kit.Register(1);
        var b = _kit.Register(2);

        _kit.AssertRefused(() => Registry.RespondHandshake(b, a, accept: true), RegistryErrorCode.NoPendingHandshake, "no pending handshake request from node 1");
        _kit.AssertRefused(() => Registry.RequestHandshake(a, 9, "x"), RegistryErrorCode.NodeNotFound, "node 9: node not found");
        _kit.AssertRefused(() => Registry.RequestHandshake(a, b, new string('j', 1025)), RegistryErrorCode.JustificationTooLarge, "justification too large: 1025 bytes (max 1024)");
        Registry.RequestHandshake(a, b, "");
        Registry.PollHandshakes(b);
        _kit.AssertRefused(() => Registry.RequestHandshake(a, b, "again"), RegistryErrorCode.HandshakeAlreadyPending, "handshake request already pending from node 1");
        _kit.AssertRefused(() => Registry.PollHandshakes(9), RegistryErrorCode.NodeNotFound, "node 9: node not found");
    }

    [Fact]
    public void RequestHandshake_InboxFull_Refused()
    {
        var kit = new TestKit(new RegistryOptions { MaxHandshakeInbox = 2 });
        var target = kit.Register(1);
        kit.Registry.RequestHandshake(kit.Register(2), target, "");
        kit.Registry.RequestHandshake(kit.Register(3), target, "");
        var late = kit.Register(4);

        kit.AssertRefused(() => kit.Registry.RequestHandshake(late, target, ""), RegistryErrorCode.HandshakeInboxFull, "handshake inbox full for node 1");
    }
}

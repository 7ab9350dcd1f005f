using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class ChallengesTests
{
    public static TheoryData<string, string> All => new()
    {
        { Challenges.Heartbeat(4294967295), "heartbeat:4294967295" },
        { Challenges.Resolve(1, 2), "resolve:1:2" },
        { Challenges.Deregister(3), "deregister:3" },
        { Challenges.SetVisibility(4), "set_visibility:4" },
        { Challenges.SetHostname(5), "set_hostname:5" },
        { Challenges.SetTags(6), "set_tags:6" },
        { Challenges.SetTaskExec(7), "set_task_exec:7" },
        { Challenges.SetKeyExpiry(8), "set_key_expiry:8" },
        { Challenges.RotateKey(9, "AAAA+/=="), "rotate:9:AAAA+/==" },
        { Challenges.ReportTrust(10, 11), "report_trust:10:11" },
        { Challenges.RevokeTrust(12, 13), "revoke_trust:12:13" },
        { Challenges.RequestHandshake(14, 15), "handshake:14:15" },
        { Challenges.RespondHandshake(16, 17), "respond:16:17" },
        { Challenges.PollHandshakes(18), "poll_handshakes:18" },
        { Challenges.PollInvites(19), "poll_invites:19" },
        { Challenges.JoinNetwork(20, 65535), "join_network:20:65535" },
        { Challenges.LeaveNetwork(21, 0), "leave_network:21:0" },
        { Challenges.InviteToNetwork(22, 3, 23), "invite:22:3:23" },
        { Challenges.RespondInvite(24, 5), "respond_invite:24:5" },
        { Challenges.Punch(25, 26), "punch:25:26" },
    };

    [Theory]
    [MemberData(nameof(All))]
    public void Challenge_Format_MatchesSpecTable(string actual, string expected) => Assert.Equal(expected, actual);
}

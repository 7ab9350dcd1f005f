using System.Text;
using NSec.Cryptography;
using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class VerificationBatchTests
{
    private static readonly SignatureAlgorithm s_ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>Checks of node <c>i</c>'s set_tags signature; every third one is signed over another node's challenge, so it must fail.</summary>
    private static List<(string Key, string Signature, string Challenge, bool Valid)> Checks(int count)
    {
        var checks = new List<(string, string, string, bool)>();
        for (var i = 0; i < count; i++)
        {
            using var key = Key.Create(s_ed25519);
            var challenge = Challenges.SetTags((uint)i + 1);
            var valid = i % 3 != 2;
            var signed = valid ? challenge : Challenges.SetTags((uint)i + 1000);
            checks.Add((Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)), Convert.ToBase64String(s_ed25519.Sign(key, Encoding.ASCII.GetBytes(signed))), challenge, valid));
        }

        return checks;
    }

    private static void AssertAnswers(List<(string Key, string Signature, string Challenge, bool Valid)> checks, List<ValueTask<string?>> answers)
    {
        for (var i = 0; i < checks.Count; i++)
        {
            Assert.True(answers[i].IsCompletedSuccessfully, $"check {i} not completed");
            Assert.Equal(checks[i].Valid ? null : SignatureVerifier.VerificationFailed, answers[i].Result);
        }
    }

    [Fact]
    public async Task Run_WithItsHelperThread_EveryCheckComputedAndCompletedOnTheRunningThreadInOrder()
    {
        var checks = Checks(24);
        var verifier = new SignatureVerifier(verifiedCapacity: 0);
        using var batch = new VerificationBatch("test-verify");
        var resumed = new List<(int Index, int Thread)>();
        var answers = checks.Select(c => batch.Add(verifier, c.Key, c.Signature, c.Challenge)).ToList();
        var continuations = answers.Select(async (answer, i) =>
        {
            var result = await answer;
            resumed.Add((i, Environment.CurrentManagedThreadId));
            return result;
        }).ToList();

        Assert.All(answers, a => Assert.False(a.IsCompleted));
        await Task.Run(() =>
        {
            batch.Run();
            var runner = Environment.CurrentManagedThreadId;

            // Every continuation ran inside Run, on its thread, in the order the checks were added.
            Assert.Equal(Enumerable.Range(0, checks.Count), resumed.Select(r => r.Index));
            Assert.All(resumed, r => Assert.Equal(runner, r.Thread));
        }, TestContext.Current.CancellationToken);

        AssertAnswers(checks, answers);
        Assert.Equal(checks.Count, verifier.Computed);
        Assert.Equal(0, batch.Count);
        foreach (var continuation in continuations)
        {
            Assert.True(continuation.IsCompletedSuccessfully);
        }
    }

    [Fact]
    public void Run_HelperNeverScheduled_TheCallerComputesEverythingAndALateHelperDoesNothing()
    {
        var checks = Checks(9);
        var verifier = new SignatureVerifier(verifiedCapacity: 0);
        Action? helper = null;
        using var batch = new VerificationBatch(help => helper = help);
        var answers = checks.Select(c => batch.Add(verifier, c.Key, c.Signature, c.Challenge)).ToList();

        // A helper that is slow to wake must not stall the loop: Run does not wait for a helper that never started.
        batch.Run();

        AssertAnswers(checks, answers);
        Assert.Equal(checks.Count, verifier.Computed);
        Assert.NotNull(helper);
        helper();
        Assert.Equal(checks.Count, verifier.Computed);
    }

    [Fact]
    public async Task Run_HelperStillComputing_RunWaitsForItsAnswer()
    {
        using var helperComputing = new ManualResetEventSlim(false);
        using var callerDone = new ManualResetEventSlim(false);
        var ct = TestContext.Current.CancellationToken;
        Thread? helperThread = null;
        using var batch = new VerificationBatch(help =>
        {
            // The helper takes the first check before the caller starts, so the caller is left with the second.
            helperThread = new Thread(() => help());
            helperThread.Start();
            helperComputing.Wait(ct);
        });
        var first = batch.Add(() =>
        {
            helperComputing.Set();
            callerDone.Wait(ct);
            return "computed by the helper";
        });
        var second = batch.Add(() =>
        {
            callerDone.Set();
            return "computed by the caller";
        });

        // The caller runs out of checks while the helper is still inside the first: Run must wait for that answer.
        await Task.Run(batch.Run, ct);

        Assert.Equal("computed by the helper", await first);
        Assert.Equal("computed by the caller", await second);
        helperThread!.Join();
    }

    [Fact]
    public void Run_OneCheck_NoHelperIsStarted()
    {
        var checks = Checks(1);
        var verifier = new SignatureVerifier(verifiedCapacity: 0);
        var started = 0;
        using var batch = new VerificationBatch(_ => started++);
        var answer = batch.Add(verifier, checks[0].Key, checks[0].Signature, checks[0].Challenge);

        batch.Run();

        Assert.Equal(0, started);
        AssertAnswers(checks, [answer]);
    }

    [Fact]
    public async Task Run_AComputationThrows_OnlyThatCheckFails()
    {
        var checks = Checks(3);
        var verifier = new SignatureVerifier(verifiedCapacity: 0);
        using var batch = new VerificationBatch(_ => { });
        var good = batch.Add(verifier, checks[0].Key, checks[0].Signature, checks[0].Challenge);

        // VerifyComputed expects a key that passed validation; a null key makes it throw.
        var broken = batch.Add(verifier, null!, checks[1].Signature, checks[1].Challenge);
        var after = batch.Add(verifier, checks[1].Key, checks[1].Signature, checks[1].Challenge);

        batch.Run();

        Assert.Null(await good);
        Assert.Null(await after);
        await Assert.ThrowsAnyAsync<Exception>(async () => await broken);
    }
}

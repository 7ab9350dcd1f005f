using System.Text;
using NSec.Cryptography;
using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class SignatureVerifierTests
{
    private static readonly SignatureAlgorithm s_ed25519 = SignatureAlgorithm.Ed25519;

    private static (Key Key, string PublicKey) NewKey()
    {
        var key = Key.Create(s_ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });
        return (key, Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
    }

    private static string Sign(Key key, string challenge) => Convert.ToBase64String(s_ed25519.Sign(key, Encoding.ASCII.GetBytes(challenge)));

    [Fact]
    public void VerifyNode_ValidSignature_Null()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            var verifier = new SignatureVerifier();
            var challenge = Challenges.Heartbeat(42);

            Assert.Null(verifier.VerifyNode(pub, Sign(key, challenge), challenge, adminTokenValid: false));
            Assert.Null(verifier.VerifyNode(pub, Sign(key, challenge), challenge, adminTokenValid: false));
        }
    }

    [Fact]
    public void TryVerifyCheaply_OnlyAnUnseenWellFormedSignatureNeedsTheComputation()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            var verifier = new SignatureVerifier();
            var challenge = Challenges.SetTags(9);
            var good = Sign(key, challenge);

            // Unseen and well formed: the caller must compute (on the pool, if it serves many connections).
            Assert.False(verifier.TryVerifyCheaply(pub, good, challenge, adminTokenValid: false, out _));
            Assert.Null(verifier.VerifyNode(pub, good, challenge, adminTokenValid: false));

            // Memoized now, and malformed or missing inputs: answered without Ed25519, with VerifyNode's answer.
            Assert.True(verifier.TryVerifyCheaply(pub, good, challenge, adminTokenValid: false, out var remembered));
            Assert.Null(remembered);
            Assert.True(verifier.TryVerifyCheaply(pub, "not base64!", challenge, adminTokenValid: false, out var malformed));
            Assert.Equal(verifier.VerifyNode(pub, "not base64!", challenge, adminTokenValid: false), malformed);
            Assert.True(verifier.TryVerifyCheaply(pub, null, challenge, adminTokenValid: false, out var missing));
            Assert.Equal(SignatureVerifier.SignatureRequired, missing);
            Assert.True(verifier.TryVerifyCheaply(null, null, challenge, adminTokenValid: true, out var keyless));
            Assert.Null(keyless);

            // A forged signature is never memoized, so it always needs the computation, which refuses it.
            var forged = Sign(key, Challenges.SetTags(10));
            Assert.False(verifier.TryVerifyCheaply(pub, forged, challenge, adminTokenValid: false, out _));
            Assert.Equal(SignatureVerifier.VerificationFailed, verifier.VerifyNode(pub, forged, challenge, adminTokenValid: false));
            Assert.False(verifier.TryVerifyCheaply(pub, forged, challenge, adminTokenValid: false, out _));

            // With the memo off every well-formed signature is computed.
            var noMemo = new SignatureVerifier(verifiedCapacity: 0);
            Assert.Null(noMemo.VerifyNode(pub, good, challenge, adminTokenValid: false));
            Assert.False(noMemo.TryVerifyCheaply(pub, good, challenge, adminTokenValid: false, out _));
        }
    }

    [Fact]
    public void Memo_ExactRepeatOfAVerifiedSignature_AnsweredWithoutVerifying_AnythingElseVerified()
    {
        var (key, pub) = NewKey();
        var (other, otherPub) = NewKey();
        using (key)
        using (other)
        {
            var verifier = new SignatureVerifier();
            var challenge = Challenges.SetTags(7);
            var good = Sign(key, challenge);

            Assert.Null(verifier.VerifyNode(pub, good, challenge, adminTokenValid: false));
            Assert.Equal(0, verifier.MemoHits);
            Assert.Null(verifier.VerifyNode(pub, good, challenge, adminTokenValid: false));
            Assert.Null(verifier.VerifyNodeRaw(pub, Convert.FromBase64String(good), challenge));
            Assert.Equal(2, verifier.MemoHits);

            // The same signature under another challenge or another stored key (a rotation) is verified, and fails.
            Assert.Equal(SignatureVerifier.VerificationFailed, verifier.VerifyNode(pub, good, Challenges.SetTags(8), adminTokenValid: false));
            Assert.Equal(SignatureVerifier.VerificationFailed, verifier.VerifyNode(otherPub, good, challenge, adminTokenValid: false));

            // One flipped bit is a different signature: verified, fails, and a failure is never remembered.
            var flipped = Convert.FromBase64String(good);
            flipped[63] ^= 0x01;
            Assert.Equal(SignatureVerifier.VerificationFailed, verifier.VerifyNodeRaw(pub, flipped, challenge));
            Assert.Equal(SignatureVerifier.VerificationFailed, verifier.VerifyNodeRaw(pub, flipped, challenge));
            Assert.Equal(2, verifier.MemoHits);
        }
    }

    [Fact]
    public void Memo_Off_VerifiesEveryTime()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            var verifier = new SignatureVerifier(verifiedCapacity: 0);
            var challenge = Challenges.Heartbeat(3);
            var good = Sign(key, challenge);

            Assert.Null(verifier.VerifyNode(pub, good, challenge, adminTokenValid: false));
            Assert.Null(verifier.VerifyNode(pub, good, challenge, adminTokenValid: false));
            Assert.Equal(0, verifier.MemoHits);
        }
    }

    [Fact]
    public void Memo_Full_KeepsTheRecentGeneration_AndCarriesForwardWhatIsStillUsed()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            // Capacity 4: two generations of two.
            var verifier = new SignatureVerifier(verifiedCapacity: 4);
            var signed = Enumerable.Range(1, 6).Select(i => (Challenge: Challenges.Heartbeat((uint)i), Signature: Sign(key, Challenges.Heartbeat((uint)i)))).ToArray();
            bool Check(int i) => verifier.VerifyNode(pub, signed[i].Signature, signed[i].Challenge, adminTokenValid: false) is null;

            Assert.True(Check(0) && Check(1));   // current {0,1}
            Assert.True(Check(2));               // full: previous {0,1}, current {2}
            Assert.True(Check(0));               // hit in previous, carried forward: current {2,0}
            Assert.Equal(1, verifier.MemoHits);
            Assert.True(Check(3));               // full: previous {2,0}, current {3}; {1} dropped
            Assert.True(Check(0) && Check(2));   // both hits
            Assert.Equal(3, verifier.MemoHits);
            Assert.True(Check(1));               // dropped: computed again
            Assert.Equal(3, verifier.MemoHits);
            Assert.Equal(5, verifier.Computed);
        }
    }

    [Fact]
    public void VerifyNode_SignatureOfOtherChallengeOrKey_VerificationFailed()
    {
        var (key, pub) = NewKey();
        var (other, _) = NewKey();
        using (key)
        using (other)
        {
            var verifier = new SignatureVerifier();

            Assert.Equal("signature verification failed", verifier.VerifyNode(pub, Sign(key, Challenges.Heartbeat(43)), Challenges.Heartbeat(42), false));
            Assert.Equal("signature verification failed", verifier.VerifyNode(pub, Sign(other, Challenges.Heartbeat(42)), Challenges.Heartbeat(42), false));

            // A valid signature does not stand in for a wrong one, and the admin token does not bypass a keyed node here.
            Assert.Equal("signature verification failed", verifier.VerifyNode(pub, Sign(other, Challenges.Heartbeat(42)), Challenges.Heartbeat(42), true));
        }
    }

    [Fact]
    public void VerifyNode_MissingSignature_SignatureRequired()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            Assert.Equal("signature required for authenticated node", new SignatureVerifier().VerifyNode(pub, null, "heartbeat:1", false));
            Assert.Equal("signature required for authenticated node", new SignatureVerifier().VerifyNode(pub, string.Empty, "heartbeat:1", false));
        }
    }

    [Theory]
    [InlineData("not base64!!")]
    [InlineData("AAAA")]
    public void VerifyNode_BadEncoding_InvalidSignatureEncoding(string signature)
    {
        var (key, pub) = NewKey();
        using (key)
        {
            var error = new SignatureVerifier().VerifyNode(pub, signature, "heartbeat:1", false);

            Assert.StartsWith("invalid signature encoding: ", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void VerifyNode_NoStoredKey_NeedsAdminToken()
    {
        var verifier = new SignatureVerifier();

        Assert.Equal("node has no public key: signature or admin token required", verifier.VerifyNode(null, "sig", "heartbeat:1", adminTokenValid: false));
        Assert.Null(verifier.VerifyNode(string.Empty, null, "heartbeat:1", adminTokenValid: true));
    }

    [Theory]
    [InlineData("", "invalid public key: ")]
    [InlineData("%%%", "invalid public key: ")]
    [InlineData("AAAA", "invalid public key: ")]
    public void ValidatePublicKey_NotBase64Of32Bytes_InvalidPublicKey(string key, string prefix) =>
        Assert.StartsWith(prefix, SignatureVerifier.ValidatePublicKey(key), StringComparison.Ordinal);

    [Fact]
    public void ValidatePublicKey_RealKey_Null()
    {
        var (key, pub) = NewKey();
        using (key)
        {
            Assert.Null(SignatureVerifier.ValidatePublicKey(pub));
        }
    }

    [Fact]
    public void IsValid_RotateChallengeWithNewKey_VerifiesWithCurrentKey()
    {
        var (current, currentPub) = NewKey();
        var (next, nextPub) = NewKey();
        using (current)
        using (next)
        {
            var challenge = Challenges.RotateKey(7, nextPub);

            Assert.True(new SignatureVerifier().IsValid(currentPub, challenge, Sign(current, challenge)));
            Assert.False(new SignatureVerifier().IsValid(currentPub, challenge, Sign(next, challenge)));
        }
    }

    [Fact]
    public void AdminToken_Checks_SpecTexts()
    {
        Assert.Equal("network creation is disabled", new AdminToken(null).Check("anything"));
        Assert.Equal("network creation is disabled", new AdminToken(string.Empty).Check(string.Empty));
        Assert.Equal("invalid admin token", new AdminToken("root").Check("wrong"));
        Assert.Equal("invalid admin token", new AdminToken("root").Check(null));
        Assert.Null(new AdminToken("root").Check("root"));
        Assert.False(new AdminToken(string.Empty).IsValid(string.Empty));
    }
}

"""What a reply does, as patterns: rebuttal and defence, advice, checks, reflective openers."""

from __future__ import annotations

import re

from facilitator import lexicon

# Rebuttal and defence: the listener's own side, a correction, or blame turned back (DOMAIN.md).
# Matched within one sentence, so a "but" in the next sentence does not pair with "I know".
_REBUTTAL = re.compile(
    r"\b(?:i hear you|i get it|i get that|i understand|i know|i hear that|i hear what you|yes|yeah|okay"
    r"|ok|sure|fine|true|well|i am sorry|i see that|i see what you)(?: \w+){0,6}? but\b(?! also\b)"
    r"|\bbut (?!i (?:hear|see|get|understand|imagine|wonder|am (?:hearing|picking|sensing|getting|wondering)"
    r"|also|guess|think you|can see|know you))(?:i|me|my|honestly|actually|to be fair|in fairness"
    r"|come on|seriously|you (?:do it|did it|started|were the one|are the one|always|never)|everyone"
    r"|everybody|nobody|no one|anyone|other people|they all|it was (?:just|only)|that was (?:just|only))\b"
    # "..., but golf is the only thing I do for myself": a "but" that turns to the listener's side
    r"|\bbut (?!i (?:hear|see|get|understand|imagine|wonder|also|can see|know you))"
    r"(?:(?!you\b|your\b|felt\b|feel\b|feels\b|seemed\b|seems\b|sounded\b|sounds\b|that\b|then\b|when\b"
    r"|after\b|once\b)\w+ ){1,5}?(?:i|me|my|myself)\b"
    r"|\bthat (?:is|was) not (?:true|fair|what happened|how it|what i|right|the point|my fault)"
    r"|\bnot what (?:happened|i meant|i said)|\bnever happened|\bit is not like i\b|\bthat is on you"
    r"|\bi (?:was|am) (?:just|only) |\bi (?:did not|never) (?:mean|meant|want|ask)\b|\bi never (?:said|did)\b"
    r"|\bi did not (?:say|do) (?:that|it|anything wrong)\b"
    r"|\bi only (?:did|said|wanted|meant|have|had|raised|do)|\bi had to\b|\bi was trying to\b"
    r"|\bi was (?:so |really |just )?(?:tired|exhausted|busy|stressed|working|sick)\b|\bthe reason i\b"
    r"|\bbecause i (?:was|had|am|did|have|needed|wanted)\b|\bnot my fault|\byour fault|\bit is on you\b"
    r"|\bwhat about (?:you|when you|the time|me|my)|\bat least i\b|\bto be fair\b|\bin my defen[cs]e"
    r"|\bin fairness\b|\byou are (?:overreacting|exaggerating|being (?:dramatic|ridiculous|unfair))"
    r"|\bover ?reacting\b|\bexaggerat\w*|\btoo sensitive\b|\bthat is (?:ridiculous|unfair|crazy|nonsense)"
    r"|\byou (?:do|did) (?:it|that|the same) too\b|\byou (?:are|were) the one\b|\byou started it\b"
    r"|^whatever$|\bwell actually\b|\bfor the record\b|\bnot fair\b"
    r"|\byou (?:always|never|constantly)\b"
    r"(?! (?:even )?(?:got|get|had|heard|knew|saw|wanted|meant|expected|felt"
    r"|feel|thought|agreed|said yes|gave)\b)"
    r"|\byou make (?:fun of )?me\b|\bi do (?:too|that too|plenty|everything|my share)\b|\bi am \w+ too\b"
    r"|\bi (?!love you)(?:\w+ ){1,4}(?:too|as well)$"
    # the listener's own side, said after a reflection: "..., and honestly I was drowning at work"
    r"|\b(?:honestly|the truth is|truth be told|if i am honest) i\b|\bi could not (?:even|help it)\b"
    r"|\blet alone\b|\b(?:that|which) is (?:why|the reason) i\b|\bi was not (?:going|trying) to\b"
    r"|\bi told you(?: (?:that|so|already|before|about it|i))?$"
    r"|\bi had (?:the |a )?(?:flu|cold|covid|fever|migraine|headache|deadline|meeting|shift|no choice)\b"
    # an emphatic "I did/do" + verb: "I did thank you, though"
    r"|\bi (?:did|do) (?!not\b|you\b|that\b|this\b|it\b|the\b|an?\b|to\b|so\b|what\b|and\b|but\b|when\b"
    r"|wrong\b|something\b|nothing\b|too\b|before\b|last\b|there\b|then\b|anything\b|everything\b|all\b"
    r"|with\b|for\b|in\b|at\b|on\b|yesterday\b|today\b|again\b|now\b|is\b|was\b|matters?\b|see\b|understand\b"
    r"|hear\b|get\b|know\b|feel\b)[a-z]+"
    r"|\bi (?:felt|feel|was|am|get|got|have been) (?:\w+ ){0,3}(?:too|as well)\b"
    r"|\b(?:i|we) (?:\w+ ){0,6}?(?<!even )(?<!as )though\b"
    r"|(?<!even )(?<!as )\bthough(?: so)? (?:i|there was|it was)\b"
    r"|\bremember$"
    r"|\b(?:there was )?nothing i could (?:do|have done)\b|\bi did nothing wrong\b"
    r"|\bi did not (?:think|know|realize|mean|see|notice)\b|\banyway(?:$| i\b)|\bthat is all$"
    r"|\bi (?:just|only) (?:said|meant|wanted|asked|mentioned|made|tried|did)\b"
    r"|\bi did not (?:take|pick) (?:any|anyone|anybody|a|your|his|her|their|sides)\b"
    # a counter-complaint: "well you ignore me all the time"
    r"|\bwell you (?!felt|feel|were|seemed|said|sound)\w+|\byou do not get to be\b|\bthe thing is i\b"
    r"|\bi do not think you (?:get to|have (?:a|any) right)\b"
    r"|\bthat is why (?:people|everyone|everybody|nobody|no one|they)\b"
    r"|\byou \w+ me (?:all the time|constantly|every time)\b"
    r"|^still\b|\bhaving said that\b|\bthat said\b|\bthen again\b|\b(?:the )?only thing is\b"
    r"|\b(?:hardly|not really|not that) (?:a )?big (?:deal|thing)\b|\bwhat (?:was|am|were) i supposed to\b"
    r"|\bwhat else (?:could|was) i\b|\b(?:she|he|it|that|they) (?:is|was|are|were) (?:just|only) (?:a |an )?"
    r"(?:friend|joke|kidding|teasing|banter|one|once|a few)\b|\ball it (?:is|was)\b|\bi figured\b"
    r"|\byou (?:were|are|did|do) \w+ though\b"
)
# A rebuttal phrase that only reports what the sharer said ("you said you understood I was tired",
# "when I said you were overreacting") mirrors the share: it is not the listener's own defence.
_REPORTED = re.compile(
    r"\byou (?:said|say|told me|mentioned|know|knew|understood|understand|get|got|realized|realize|saw"
    r"|see|thought|think|heard|noticed|felt like|feel like|were saying|are saying)\b"
    r"|\b(?:when|while|after|like|because|since|if|whether|wondering|wonder)\b"
)
# Advice and problem-solving. "you need to"/"you have to" alone are often the sharer's own need
# ("you feel you have to provide"), so only their plainly directive forms count.
_ADVICE = re.compile(
    r"\byou (?:should|ought to|might want to|may want to|could try|could just|can just|just need to"
    r"|need to (?:calm|relax|stop|get over|let it go|move on|chill|try|just|talk to|tell|sit))\b"
    r"|(?<!to )(?<!me )(?<!you )\bjust (?:sit|talk to|tell|ask|call|go and|say)\b"
    r"|\b(?:maybe|perhaps|just|please) (?:you )?(?:try|should|could|stop|calm|relax|ignore|let it|get over)\b"
    r"|^(?:just |maybe |perhaps |so )?try (?:to|not to|and)\b|\bwhy (?:do not|not) (?:you|we|just)\b"
    r"|\bhave you (?:tried|thought about|considered)|\bnext time\b|^let us (?!say|see)\w+"
    r"|\bwe (?:just |really |probably |both )?(?:should|could|need to|have to|can)\b"
    r"|\bif you (?:just|only|would just)\b"
    r"|\bit (?:would|might) (?:help|be better|be good|be a good idea)|\bwhat if you\b"
    r"|\bhow about (?:you|we|if|trying)\b|\bmy advice\b|\bi (?:suggest|recommend|advise)"
    r"|\bthe best thing\b|\bdo not worry\b|\bstop (?:worrying|being|thinking)\b|^calm down\b"
    r"|\bget over it\b|\bmove on\b|\bno big deal\b|\bnot a big deal\b|\bcheer up\b|\bbright side\b"
    r"|\bwhat you (?:need|have|ought) to do\b|\bi think you (?:should|need|could)\b"
    r"|\bi (?:will|can|could) (?:try|make sure|do better|fix|change|stop|start|promise)|\bfrom now on\b"
    r"|\bi promise\b|\bwhat (?:can|could|should) (?:i|we) do\b|\bhow (?:can|could) (?:i|we) (?:help|fix|make)"
    r"|\bi would (?:recommend|suggest|encourage)|\bit is important (?:to|that you)"
    r"|\bi want you to\b|\bi would like you to\b|\bdo you want to (?:try|do)"
    r"|\byou could (?!not\b|hardly\b|barely\b|never\b|only\b|just\b|see\b|tell\b|feel\b)\w+"
    r"|\byou can (?!not\b|be\b|see\b|tell\b|feel\b|hardly\b|never\b|always\b|only\b|barely\b|ever\b)\w+"
    r"|\bi will make (?:it|this|that) up\b|\bwe will (?:take|go out|make|try|plan|book|figure|sort|work on)\b"
    r"|\bi will (?:take|buy|get|call|text|plan|book|cook|clean|be there|be on time|be better)\b"
    r"|\bi swear\b|\bnever again\b|\bi will not (?:\w+ ){0,5}?again\b"
)
_CHECKS = re.compile(
    r"^(?:did i (?:get|hear|understand|catch|miss)\w*|do i have (?:it|that|this) right|have i got (?:it|that)"
    r"|am i (?:getting|hearing|right|understanding)\w*|is (?:that|this|it) (?:right|it|correct|true|what you)"
    r"|is it that|are you saying|do you mean|does that sound right|is that what you|did that|was that"
    r"|is that (?:kind of |sort of )?(?:how|what|right|it)"
    r"|so you are saying|you mean|right|correct|true|yes|no"
    r"|anything else|is there more|would that be (?:true|right|fair|correct)|what did i miss|did i leave"
    r"|have i (?:got|understood|missed)|(?:or )?is there (?:something|anything) (?:i|else|more)"
    r"|or did i miss)\b"
)
_CHECK_FRAME = re.compile(
    r"^(?:did i (?:get|hear|understand|catch)(?: (?:it|that|this) right)?(?: (?:that|when|how))?"
    r"|am i (?:getting|hearing|understanding)(?: (?:it|that|this))?(?: right)?(?: that)?"
    r"|is it that|are you saying(?: that)?|do you mean(?: that)?|so you are saying(?: that)?"
    r"|(?:can|could|may) i (?:just )?(?:check|see if i (?:got|get|have) (?:it|that|this)"
    r"(?: right)?)(?: that)?"
    r"|let me (?:check|see) if i (?:got|get|have) (?:it|that|this)(?: right)?(?: that)?)\b ?"
)
_TAIL_CHECK = re.compile(
    r"\b(?:is that right|is that it|did i get (?:it|that|this)(?: right)?|am i right|is that correct"
    r"|do i have (?:it|that) right|does that sound right|right|correct|yes|no|yeah|or not|anything else"
    r"|is that fair|is that true|did i miss anything|is there more|have i got (?:it|that|this)(?: right)?"
    r"|have i understood (?:it|that|this|you)(?: properly| right| correctly)?"
    r"|or is there (?:something|anything) (?:i missed|else|more)|or did i miss (?:something|anything)"
    r"|(?:is|are|was|were|do|does|did|have|has|would|could"
    r"|can|will) not (?:it|you|they|he|she|that|there|i))$"
)
_FRAMES = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing|got|understand"
    r"|understood|take)\w*|i (?:am )?(?:hear|hearing|heard)"
    r"|i (?:imagine|guess|think|sense|understand|get|gather|bet|wonder|notice|suppose)\w*"
    r"|i can (?:see|imagine|tell|hear|understand)|i see|if i (?:understand|understood|heard|got|am hearing)"
    r"|let me (?:see|check|make sure)|i want to (?:make sure|check|understand)|correct me if i|it seems to me"
    r"|sounds to me|it sounds to me|i am (?:guessing|sensing|getting)|i take it|what i am (?:hearing|getting)"
    r"|did i|am i|i got (?:that|it)|i am (?:sorry|so sorry)|if i am|tell me|help me|i would imagine"
    r"|my guess|my sense|i feel like you|i have heard|i am wondering|i know)\b"
)
_OPENERS = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing)|i hear you (?:say|saying)|i am hearing|sounds like|it sounds|"
    r"you (?:felt|feel|feeling|are feeling|were feeling|have been feeling)|seems like|it seems|you are saying"
    r"|you said|you mean|what you are saying|if i (?:understand|heard)|i imagine you|that must|must have been"
    r"|must be|you (?:want|wanted|would like|wish|hoped|hope"
    r"|need|needed)|you are (?:worried|concerned|not sure)"
    r"|for you|you (?:were|are) (?:hoping|thinking|wondering)|you (?:think|thought|believe|know|knew)"
    r"|you (?:have|had) (?:been|noticed|seen|found|decided|tried)|you (?:noticed|realize|realized|see)"
    r"|you are (?:not|really|kind|a little|pretty|quite|still)|you (?:really|still|kind of|sort of))\b"
)
_VALIDATION = re.compile(
    r"\b(?:that makes sense|makes (?:a lot of |total |complete )?sense|of course you|no wonder|"
    r"i can see why|i get why|i understand why|understandable|that sounds (?:hard|painful|awful|lonely|"
    r"difficult|tough|really)|that must (?:have )?(?:been|be|feel|hurt)|i am sorry you)\b"
)
_YOU = frozenset({"you", "your", "yours", "yourself", "youre"})
_ME = frozenset({"i", "me", "my", "mine", "myself"})
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_ENGLISH_HINTS = lexicon.STOPWORDS | frozenset({"not", "was", "felt", "when", "went"})

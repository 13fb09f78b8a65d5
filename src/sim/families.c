/*
 * families.c — the malware families of the simulation, most popular first.
 *
 * The set is the one national CERTs see in sinkhole telemetry year after
 * year: long-lived worms (Conficker, Sality, Virut, Ramnit), the Avalanche
 * takedown families (Andromeda/Gamarue, Tinba, Nymaim, Matsnu — CTIP's
 * "B67-SS-*" ThreatCodes), IoT bots (Mirai), banking trojans and loaders
 * (Zeus, Emotet, Qakbot, Ursnif, Necurs), WannaCry's kill-switch traffic.
 * ThreatCodes follow CTIP's shape (B<nn>-<kind>-<NAME>; B67-SS-TINBA,
 * B67-SS-MATSNU, B67-SS-Gamarue and B77-GV are the codes of the published
 * samples, the others are in the same style); infection names follow
 * Shadowserver's sinkhole reports.  A family missing from a feed (no
 * ThreatCode or no infection name) has ctip_share 0 or 1 accordingly.
 *
 * Popularity is the table order (Zipf weights 1/rank, jittered per seed);
 * rate is the median number of beacons an infected host makes on a day it is
 * online (the actual rate is lognormal around it: heavy-tailed), life the
 * mean days until cleanup.  Ports and protocols are the families' usual C2
 * channels.
 */
#include "sim/sim_int.h"

const struct sim_family sim_families[] = {
    /* malware, ThreatCode, infection, ss family, tag, CustomField1, domain, handler,
       port, udp, payload, http, ctip_share, rate, life */
    {"Conficker", "B106-Conficker", "conficker", "conficker", "", "conficker-b",
     "qjwnxwhzr.ws", "conficker", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.55, 1.6, 420},
    {"Mirai", "B106-Mirai", "mirai", "mirai", "iot", "", "santasbigcandycane.cx", "mirai", 23,
     0, SIM_PAYLOAD_NULL, 0, 0.35, 3.0, 14},
    {"Sality", "B106-Sality", "sality-p2p", "sality", "p2p", "sality-v3", "kukutrustnet777.info",
     "sality", 80, 1, SIM_PAYLOAD_TEXT, 0, 0.45, 1.0, 300},
    {"Avalanche", "B67-SS-Gamarue", "avalanche-andromeda", "andromeda", "", "andromeda210",
     "disorderstatus.ru", "handler1", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.7, 0.8, 200},
    {"Ramnit", "B75-S2-Ramnit", "ramnit", "ramnit", "", "ramnit-dga", "jdskfjdkfjkdj.com",
     "ramnit", 443, 0, SIM_PAYLOAD_SINKHOLE, 0, 0.6, 1.2, 260},
    {"Zeus", "B54-BASE-Zeus", "zeus", "zeus", "gameover", "goz", "edrqwfusmidbfqydtulc.com",
     "zeus", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.5, 0.9, 90},
    {"Necurs", "B106-Necurs", "necurs", "necurs", "", "necurs-dga", "jiwkfvanxdmnkq.bit",
     "necurs", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.5, 0.7, 150},
    {"Emotet", "B77-GV", "emotet", "emotet", "epoch4", "bot-id-data", "", "emotet", 8080, 0,
     SIM_PAYLOAD_BOT, 0, 0.65, 2.2, 25},
    {"Avalanche", "B67-SS-TINBA", "avalanche-tinba", "tinba", "", "tinba", "example-dga.com",
     "tinba", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.8, 0.9, 120},
    {"Virut", "B106-Virut", "virut", "virut", "", "", "ilo.brenz.pl", "virut", 80, 0,
     SIM_PAYLOAD_TEXT, 0, 0.3, 1.1, 500},
    {"Qakbot", "B106-Qakbot", "qakbot", "qakbot", "qbot", "obama204", "", "qakbot", 443, 0,
     SIM_PAYLOAD_BOT, 0, 0.55, 1.8, 35},
    {"Avalanche", "B67-SS-NYMAIM", "avalanche-nymaim", "nymaim", "", "nymaim", "ojgkdrbw.pw",
     "nymaim", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.75, 0.6, 110},
    {"WannaCry", NULL, "wannacry", "wannacry", "killswitch", "", "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
     "wannacry", 80, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.0, 4.0, 600},
    {"Ursnif", "B106-Ursnif", "ursnif", "ursnif", "gozi", "isfb", "whdhyuwsfqvz.com", "ursnif",
     443, 0, SIM_PAYLOAD_SINKHOLE, 1, 0.5, 0.8, 60},
    {"Avalanche", "B67-SS-MATSNU", NULL, "matsnu", "", "matsnu5", "kbxwlqmnrzsv.com", "matsnu",
     80, 0, SIM_PAYLOAD_TEXT, 0, 1.0, 0.7, 140},
    {"Dorkbot", "B68-DGA-Dorkbot", "dorkbot", "dorkbot", "ngrbot", "", "av.ircqjhwq.com", "dorkbot",
     6667, 0, SIM_PAYLOAD_NULL, 0, 0.6, 0.9, 180},
    {"VictoryGate", NULL, "victorygate.b", "victorygate.b", "", "", "aideldescrobb.com",
     "victorygate", 4455, 0, SIM_PAYLOAD_SINKHOLE, 0, 0.0, 1.3, 220},
    {"Pushdo", "B106-Pushdo", "pushdo", "pushdo", "cutwail", "", "jzbrnblqr.kz", "pushdo", 80, 0,
     SIM_PAYLOAD_SINKHOLE, 1, 0.4, 0.6, 160},
};

const size_t sim_nfamilies = sizeof sim_families / sizeof sim_families[0];

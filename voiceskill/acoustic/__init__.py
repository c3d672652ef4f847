"""voiceskill.acoustic"""

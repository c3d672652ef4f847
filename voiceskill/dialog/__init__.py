"""voiceskill.dialog"""
